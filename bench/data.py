"""The web benchmark's data set: a realistic history of notifications, built with bulk_create.

`build(size)` fills an empty, migrated database with `size` notifications (1,000, 10,000 or
100,000) and everything around them, from a fixed random seed, and returns a `Built` naming the
bench accounts and the objects the pages open. Dates are relative to the day of the run, since
the server under test reads the real clock.

Everything scales with the size, so the 100,000 set has a longer history in every direction:

- organisations: 3 per 100 notifications (300 at 10,000); the first, the "large" one, holds
  2% of all notifications (200 at 10,000), each of the others a random share;
- people: three per organisation (admin, submitter, preparer), 12 SSC members (chair, deputy),
  4 SECAS staff; the bench's SSC member, chair and SECAS accounts have a confirmed TOTP
  device with a known key, so the bench passes the real two-factor page;
- meetings: one per 50 notifications over eight years (so about 50 items each at every size),
  three more ahead;
- notifications in a mix of states (drafts, submitted, under review, information requested,
  decided both ways, closed, withdrawn), each with its User System, transition log, agenda
  item and decision where its state implies them, information requests, messages, files
  (rows only), outbox emails and sign-in events;
- assessments: a G8.13 assessment for every case decided "assessment required" (open in every
  stage, or completed), one open annual review per organisation and a completed one for each
  year of history, each completed one with its assurance record (a few Deferred or Rejected).
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
SEED = 2026
HISTORY_YEARS = 8
BATCH = 2_000
CHUNK = 5_000  # notifications generated (and their rows inserted) at a time: bounded memory

BENCH_PASSWORD = "bench-password-not-secret-2026"  # noqa: S105 - a throwaway database
TOTP_KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test key
SECAS_EMAIL = "secas@bench.example"
MEMBER_EMAIL = "member@bench.example"
CHAIR_EMAIL = "chair@bench.example"
USER_EMAIL = "admin@org000000.bench.example"  # the large organisation's admin (no second factor)

# Share of notifications per state (sums to 1).
STATE_MIX = [
    ("draft", 0.04),
    ("submitted", 0.01),
    ("under_review", 0.015),
    ("information_requested", 0.005),
    ("no_assessment_needed", 0.36),
    ("assessment_required", 0.08),
    ("closed", 0.425),
    ("withdrawn", 0.065),
]
LIVE = {"submitted", "under_review", "information_requested"}
DECIDED = {"no_assessment_needed", "assessment_required", "closed"}
ASSESSMENT_CHAIN = [
    ("required", None),
    ("scheduled", "schedule"),
    ("fieldwork", "start_fieldwork"),
    ("report_received", "receive_report"),
    ("response_received", "receive_response"),
    ("completed", "complete"),
]
NOTIFICATION_TRANSITION_TITLES = {
    "submit": "Submitted to the SSC",
    "start_review": "Triaged: on the agenda of the next meeting",
    "request_information": "Please send the penetration-test report for the new system.",
    "provide_information": "Answered, with the report attached.",
    "decide_no_assessment": "No assessment needed: same controls, same ISMS scope.",
    "decide_assessment_required": "A targeted assessment is needed: new hosting provider.",
    "close": "Assessment complete",
    "withdraw": "The project was cancelled.",
}

PURPOSES = [
    "A second instance of our DCC User Gateway connection for the new prepayment platform, "
    "serving about {n} smart meters from a separate tenancy.",
    "A managed service from our Shared Resource Provider that takes over the Import Supplier "
    "role for the {n} SMETS2 meters acquired from a failed supplier.",
    "A disaster-recovery User System in a second data centre, used only when the first one "
    "fails; it holds copies of the signing keys in its own HSM partition.",
    "A replacement for the system approved at the User Entry Process, moving from on-premise "
    "servers to a cloud hosting provider; both run in parallel for three months.",
]
PARAGRAPH = (
    "The system runs in a dedicated virtual network with its own firewall rules. Only the "
    "operations team can reach its management interfaces, through a bastion with multi-factor "
    "authentication. Changes follow the same change-control process as the existing system, "
    "and the security team reviews every firewall change before it is applied. "
)


@dataclass
class Built:
    """What the data builder made, and what the pages the bench measures open."""

    size: int
    counts: dict[str, int] = field(default_factory=dict)
    large_organisation: int = 0
    case: int = 0  # a live case of the large organisation with a long history
    assessment: int = 0  # the large organisation's open annual review
    meeting: int = 0  # the latest past meeting
    next_meeting: int = 0  # the first meeting ahead, with undecided cases on its agenda
    accounts: dict[str, str] = field(default_factory=dict)  # role -> email


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def bulk(model, rows: list, counts: dict, label: str) -> list:
    if rows:
        model.objects.bulk_create(rows, batch_size=BATCH)
    counts[label] = counts.get(label, 0) + len(rows)
    return rows


class Builder:
    def __init__(self, size: int, seed: int = SEED):
        from django.utils import timezone

        self.size = size
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.start = self.today - timedelta(days=365 * HISTORY_YEARS)
        self.built = Built(size=size)
        self.counts = self.built.counts
        self.reference_numbers: dict[int, int] = {}
        self.sequence = 0
        self.text = PARAGRAPH * 3

    # --- helpers ------------------------------------------------------------------------------

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def moment(self, day: date) -> datetime:
        return at(day, self.rng.randint(8, 17), self.rng.randint(0, 59))

    def clamp(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=5))

    def reference(self, year: int) -> str:
        number = self.reference_numbers.get(year, 0) + 1
        self.reference_numbers[year] = number
        return f"SSN-{year}-{number:05d}"

    # --- people and organisations ---------------------------------------------------------------

    def people(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from notifications.models import SharedResourceProvider
        from users.models import (
            SECAS_STAFF_GROUP,
            SSC_MEMBERS_GROUP,
            CommitteeOffices,
            ConflictOfInterest,
            Membership,
            Organisation,
            PartyCategory,
            User,
            UserRole,
        )

        rng = self.rng
        password = make_password(BENCH_PASSWORD)  # hashed once, as production hashes it
        unusable = make_password(None)
        count = max(30, round(self.size * 0.03))
        organisations = [
            Organisation(
                name="Large Energy plc" if i == 0 else f"Bench Energy {i:06d} Ltd",
                sec_party_id=f"SP-{i:06d}",
                party_category=PartyCategory.LARGE_SUPPLIER
                if i == 0
                else rng.choice(PartyCategory.values),
                domestic_premises_count=3_000_000 if i == 0 else rng.randint(0, 400_000),
                contact_name=f"Security Lead {i:06d}",
                contact_email=f"security@org{i:06d}.bench.example",
                address="1 Bench Street\nLondon",
                created_at=at(self.start - timedelta(days=30)),
            )
            for i in range(count)
        ]
        bulk(Organisation, organisations, self.counts, "organisations")
        self.organisations = organisations
        self.built.large_organisation = organisations[0].pk
        roles = list(UserRole.objects.all())
        bulk(
            Organisation.user_roles.through,
            [
                Organisation.user_roles.through(organisation_id=o.pk, userrole_id=role.pk)
                for o in organisations
                for role in rng.sample(roles, min(len(roles), rng.randint(1, 3)))
            ],
            self.counts,
            "organisation roles",
        )

        users, memberships = [], []
        self.submitters: dict[int, list] = {}
        for i, organisation in enumerate(organisations):
            staff = [("admin", "admin"), ("submitter", "submitter"), ("preparer", "preparer")]
            if i == 0:
                staff += [(f"preparer{n}", "preparer") for n in range(2, 5)]
            for local, role in staff:
                email = f"{local}@org{i:06d}.bench.example"
                user = User(
                    email=email,
                    full_name=f"{local.title()} {i:06d}",
                    password=password if email == USER_EMAIL else unusable,
                    date_joined=organisation.created_at,
                )
                users.append(user)
                memberships.append((user, organisation, role))
        committee = []
        for n in range(12):
            email = CHAIR_EMAIL if n == 0 else MEMBER_EMAIL if n == 1 else f"ssc{n}@bench.example"
            committee.append(User(email=email, full_name=f"SSC Member {n:02d}", password=password))
        secas = [
            User(
                email=SECAS_EMAIL if n == 0 else f"secas{n}@bench.example",
                full_name=f"SECAS Analyst {n}",
                password=password,
            )
            for n in range(4)
        ]
        bulk(User, users + committee + secas, self.counts, "people")
        bulk(
            Membership,
            [
                Membership(
                    user=user,
                    organisation=organisation,
                    role=role,
                    created_at=organisation.created_at,
                )
                for user, organisation, role in memberships
            ],
            self.counts,
            "memberships",
        )
        for user, organisation, role in memberships:
            if role in {"admin", "submitter"}:
                self.submitters.setdefault(organisation.pk, []).append(user)
        groups = {g.name: g for g in Group.objects.all()}
        through = User.groups.through
        bulk(
            through,
            [through(user_id=u.pk, group_id=groups[SSC_MEMBERS_GROUP].pk) for u in committee]
            + [through(user_id=u.pk, group_id=groups[SECAS_STAFF_GROUP].pk) for u in secas],
            self.counts,
            "group memberships",
        )
        # The first member is the chair, the second the deputy (as SECAS records them).
        CommitteeOffices.objects.update_or_create(
            pk=1, defaults={"chair": committee[0], "deputy": committee[1]}
        )
        key = TOTP_KEY
        bulk(
            TOTPDevice,
            [
                TOTPDevice(user=user, name="Authenticator app", key=key, confirmed=True)
                for user in committee + secas
            ],
            self.counts,
            "TOTP devices",
        )
        self.committee = committee
        self.secas = secas
        # A few declared conflicts (never the bench member's, never the large organisation).
        bulk(
            ConflictOfInterest,
            [
                ConflictOfInterest(
                    member=member,
                    organisation=rng.choice(organisations[1:]),
                    reason="Consultant to this party until last year.",
                )
                for member in committee[2:6]
            ],
            self.counts,
            "conflicts of interest",
        )
        self.providers = bulk(
            SharedResourceProvider,
            [
                SharedResourceProvider(
                    name=f"Bench Shared Services {n:02d} Ltd",
                    companies_house_number=f"{10000000 + n}",
                    contact_email=f"security@srp{n:02d}.bench.example",
                )
                for n in range(12)
            ],
            self.counts,
            "shared resource providers",
        )
        self.roles = roles
        self.built.accounts = {
            "SECAS": SECAS_EMAIL,
            "SSC member": MEMBER_EMAIL,
            "SSC chair": CHAIR_EMAIL,
            "User": USER_EMAIL,
        }

    def meetings(self) -> None:
        from assessments.models import SSCMeeting

        past = max(12, self.size // 50)
        span = (self.today - self.start).days
        days = [self.start + timedelta(days=round(span * (n + 1) / past)) for n in range(past)]
        days[-1] = min(days[-1], self.today - timedelta(days=1))
        # Ahead: the same cadence (at most four weeks apart), at least ten weeks of it.
        step = min(span / past, 28)
        ahead = max(3, math.ceil(70 / step))
        days += [self.today + timedelta(days=round(step * (n + 1))) for n in range(ahead)]
        meetings = [
            SSCMeeting(
                date=day,
                kind=SSCMeeting.Kind.ORDINARY if n % 6 else SSCMeeting.Kind.EXTRAORDINARY,
                title=f"SSC meeting {n + 1}",
                location="Online",
            )
            for n, day in enumerate(days)
        ]
        bulk(SSCMeeting, meetings, self.counts, "meetings")
        through = SSCMeeting.attendees.through
        bulk(
            through,
            [
                through(sscmeeting_id=m.pk, user_id=u.pk)
                for m in meetings
                if m.date <= self.today
                for u in self.rng.sample(self.committee, self.rng.randint(6, 10))
            ],
            self.counts,
            "meeting attendances",
        )
        self.past_meetings = [m for m in meetings if m.date < self.today]
        self.future_meetings = [m for m in meetings if m.date >= self.today]
        self.built.meeting = self.past_meetings[-1].pk
        self.built.next_meeting = self.future_meetings[0].pk

    def meeting_after(self, day: date):
        """The first meeting on or after `day` (past or future), or None."""
        import bisect

        index = bisect.bisect_left(self.meeting_days, day)
        return self.all_meetings[index] if index < len(self.all_meetings) else None

    # --- notifications --------------------------------------------------------------------------

    def plan(self) -> list[tuple[int, str]]:
        """(organisation index, state) for every notification, the large organisation's first."""
        rng = self.rng
        large = max(20, round(self.size * 0.02))
        states = [name for name, _ in STATE_MIX]
        weights = [share for _, share in STATE_MIX]
        plan = []
        for n in range(self.size):
            index = 0 if n < large else rng.randrange(1, len(self.organisations))
            plan.append((index, rng.choices(states, weights)[0]))
        # The showcase case: the large organisation's, under review, with a long history.
        plan[0] = (0, "under_review")
        return plan

    def notifications(self) -> None:
        self.all_meetings = self.past_meetings + self.future_meetings
        self.meeting_days = [m.date for m in self.all_meetings]
        plan = self.plan()
        self.first_systems()
        for start in range(0, len(plan), CHUNK):
            self.chunk(plan[start : start + CHUNK], first=start == 0)

    def first_systems(self) -> None:
        from notifications.models import DeliveryModel, UserSystem

        self.systems_by_org: dict[int, list] = {}
        systems = [
            UserSystem(
                organisation=o,
                name=f"{o.name} User System",
                delivery_model=DeliveryModel.IN_HOUSE,
                is_first_system=True,
                status=UserSystem.Status.LIVE,
                go_live_date=self.start,
            )
            for o in self.organisations
        ]
        bulk(UserSystem, systems, self.counts, "user systems")
        self.first_system = {s.organisation_id: s for s in systems}

    def timeline(self, state: str, showcase: bool) -> dict:
        """The dates of one notification's life, consistent with its state and the meetings."""
        rng = self.rng
        t: dict = {"state": state}
        if showcase:
            submitted = self.today - timedelta(days=24)
            t.update(submitted=submitted, review=submitted + timedelta(days=2))
            t["meeting"] = self.future_meetings[0]
            return t
        if state in DECIDED:
            # Choose the deciding meeting first, then date the case backwards from it.
            recent = [m for m in self.past_meetings if m.date >= self.today - timedelta(days=730)]
            pool = recent if state == "assessment_required" and recent else self.past_meetings
            meeting = rng.choice(pool)
            decided = meeting.date
            review = decided - timedelta(days=rng.randint(5, 40))
            submitted = review - timedelta(days=rng.randint(1, 6))
            t.update(submitted=submitted, review=review, decided=decided, meeting=meeting)
            if state == "closed":
                closed = decided + timedelta(days=rng.randint(60, 400))
                t["closed"] = min(closed, self.today - timedelta(days=1))
            return t
        if state in LIVE:
            if rng.random() < 0.75:
                submitted = self.today - timedelta(days=rng.randint(0, 40))
            else:  # stale cases, years old, still undecided
                submitted = self.day_between(self.start, self.today - timedelta(days=41))
            t["submitted"] = submitted
            if state == "under_review" or (state == "information_requested" and rng.random() < 0.6):
                review = min(submitted + timedelta(days=rng.randint(1, 5)), self.today)
                t["review"] = review
                # Recent cases wait for one of the meetings ahead; stale ones were deferred.
                t["meeting"] = (
                    rng.choice(self.future_meetings)
                    if submitted > self.today - timedelta(days=41)
                    else self.meeting_after(review + timedelta(days=3))
                )
            return t
        if state == "withdrawn":
            created = self.day_between(self.start, self.today - timedelta(days=2))
            if rng.random() < 0.7:
                t["submitted"] = created + timedelta(days=rng.randint(0, 10))
            t["created"] = created
            t["withdrawn"] = min(created + timedelta(days=rng.randint(11, 60)), self.today)
            return t
        t["created"] = self.day_between(self.start, self.today)  # a draft
        return t

    def chunk(self, plan: list[tuple[int, str]], first: bool) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django_fsm_log.models import StateLog

        from assessments.models import AgendaItem, Decision
        from notifications.models import (
            Attachment,
            DeliveryModel,
            InformationRequest,
            Message,
            Notification,
            UserSystem,
        )
        from notifications.services import EmailAbout, save_emails
        from sscportal.mail.models import OutboundEmail
        from users.models import SecurityEvent

        rng = self.rng
        notification_type = ContentType.objects.get_for_model(Notification)
        entries = []
        for n, (org_index, state) in enumerate(plan):
            organisation = self.organisations[org_index]
            t = self.timeline(state, showcase=first and n == 0)
            t["organisation"] = organisation
            t["submitter"] = rng.choice(self.submitters[organisation.pk])
            t["showcase"] = first and n == 0
            entries.append(t)

        systems, notifications = [], []
        for t in entries:
            organisation = t["organisation"]
            submitted = t.get("submitted")
            created_day = t.get("created") or submitted - timedelta(days=rng.randint(1, 30))
            created = self.moment(created_day)
            submitted_at = None
            if submitted:
                submitted_at = max(self.clamp(self.moment(submitted)), created)
            kind = rng.random()
            delivery = (
                DeliveryModel.IN_HOUSE
                if kind < 0.6
                else DeliveryModel.SRP
                if kind < 0.85
                else DeliveryModel.THIRD_PARTY
            )
            provider = rng.choice(self.providers) if delivery == DeliveryModel.SRP else None
            planned = (submitted or created_day) + timedelta(days=rng.randint(20, 120))
            if rng.random() < 0.03:
                planned = (submitted or created_day) - timedelta(days=rng.randint(0, 10))
            self.sequence += 1
            name = f"User System {organisation.pk}-{self.sequence:06d}"
            system = None
            if submitted_at:
                status = {
                    "withdrawn": UserSystem.Status.NOT_PROCEEDING,
                    **dict.fromkeys(LIVE, UserSystem.Status.PLANNED),
                }.get(t["state"], UserSystem.Status.LIVE)
                system = UserSystem(
                    organisation=organisation,
                    name=name,
                    delivery_model=delivery,
                    provider=provider,
                    third_party_name="Bench Hosting Ltd"
                    if delivery == DeliveryModel.THIRD_PARTY
                    else "",
                    status=status,
                    go_live_date=planned if status == UserSystem.Status.LIVE else None,
                    created_at=submitted_at,
                )
                systems.append(system)
            t["system"] = system
            rapporteur = rng.choice(self.committee[1:]) if "review" in t else None
            if t["showcase"]:
                rapporteur = next(u for u in self.committee if u.email == MEMBER_EMAIL)
            t["rapporteur"] = rapporteur
            decided = t.get("decided")
            notifications.append(
                Notification(
                    reference=self.reference((submitted or created_day).year),
                    organisation=organisation,
                    state=t["state"],
                    contact_name=t["submitter"].full_name,
                    contact_email=t["submitter"].email,
                    contact_phone="020 7946 0000",
                    created_by=t["submitter"],
                    submitted_by=t["submitter"] if submitted_at else None,
                    declaration_accepted=bool(submitted_at),
                    system_name=name,
                    purpose=rng.choice(PURPOSES).format(n=rng.randint(1_000, 2_000_000)),
                    planned_go_live_date=planned,
                    smets1_meter_count=rng.randint(0, 50_000),
                    smets2_meter_count=rng.randint(0, 500_000),
                    delivery_model=delivery,
                    provider=provider,
                    third_party_name="Bench Hosting Ltd"
                    if delivery == DeliveryModel.THIRD_PARTY
                    else "",
                    hosting_description=self.text,
                    hosting_location="United Kingdom",
                    dcc_connection=PARAGRAPH,
                    separation_from_existing=PARAGRAPH,
                    key_management=PARAGRAPH,
                    shared_with_existing=PARAGRAPH,
                    same_isms_scope=rng.random() < 0.8,
                    same_controls=rng.random() < 0.7,
                    risk_assessment_summary=self.text,
                    risk_assessment_date=(submitted or created_day) - timedelta(days=30),
                    penetration_test_summary=PARAGRAPH,
                    penetration_test_date=(submitted or created_day) - timedelta(days=20),
                    has_known_non_compliances=rng.random() < 0.1,
                    known_non_compliances="",
                    is_late=bool(submitted) and planned <= submitted,
                    rapporteur=rapporteur,
                    created_at=created,
                    submitted_at=submitted_at,
                    review_started_at=self.clamp(self.moment(t["review"]))
                    if "review" in t
                    else None,
                    decided_at=at(decided, 15) if decided else None,
                    closed_at=self.moment(t["closed"]) if "closed" in t else None,
                    withdrawn_at=self.clamp(self.moment(t["withdrawn"]))
                    if "withdrawn" in t
                    else None,
                )
            )
        for notification in notifications:
            if notification.has_known_non_compliances:
                notification.known_non_compliances = "Two findings from the last FUSA are open."
        bulk(UserSystem, systems, self.counts, "user systems")
        for t, notification in zip(entries, notifications, strict=True):
            notification.user_system = t["system"]
            t["notification"] = notification
        bulk(Notification, notifications, self.counts, "notifications")
        if first:
            self.built.case = notifications[0].pk
        through = Notification.user_roles.through
        bulk(
            through,
            [
                through(notification_id=x.pk, userrole_id=role.pk)
                for x in notifications
                for role in rng.sample(self.roles, min(len(self.roles), rng.randint(1, 2)))
            ],
            self.counts,
            "notification roles",
        )

        secas = self.secas
        logs, agenda, decisions, questions, messages, files, emails, events = ([] for _ in range(8))
        for t in entries:
            x = t["notification"]
            submitter = t["submitter"]
            showcase = t["showcase"]

            def log(moment, transition, source, target, by, x=x):
                logs.append(
                    StateLog(
                        timestamp=moment,
                        by=by,
                        source_state=source,
                        state=target,
                        transition=transition,
                        content_type=notification_type,
                        object_id=x.pk,
                        description=NOTIFICATION_TRANSITION_TITLES[transition],
                    )
                )

            events.append(
                SecurityEvent(
                    kind=SecurityEvent.Kind.SIGN_IN,
                    actor=submitter,
                    actor_email=submitter.email,
                    summary=f"{submitter} signed in",
                    ip_address="192.0.2.10",
                    at=x.created_at - timedelta(minutes=3),
                )
            )
            if not x.submitted_at:
                if x.withdrawn_at:
                    log(x.withdrawn_at, "withdraw", "draft", "withdrawn", submitter)
                continue
            log(x.submitted_at, "submit", "draft", "submitted", submitter)
            events += [
                SecurityEvent(
                    kind=SecurityEvent.Kind.SIGN_IN,
                    actor=person,
                    actor_email=person.email,
                    summary=f"{person} signed in",
                    ip_address="192.0.2.20",
                    at=x.submitted_at + timedelta(hours=h),
                )
                for h, person in ((1, rng.choice(secas)), (2, rng.choice(self.committee)))
            ]
            if x.review_started_at:
                log(x.review_started_at, "start_review", "submitted", "under_review", secas[0])
                meeting = t.get("meeting")
                if meeting is not None:
                    agenda.append(
                        AgendaItem(
                            meeting=meeting,
                            notification=x,
                            position=rng.randint(1, 60),
                            added_at=x.review_started_at,
                        )
                    )
            # Questions: an open one if the state says so; answered ones on some others.
            asked_count = 2 if showcase else int(rng.random() < 0.25)
            if x.review_started_at and asked_count and x.state != "information_requested":
                for q in range(asked_count):
                    asked = x.review_started_at + timedelta(days=1 + 4 * q, hours=1)
                    answered = asked + timedelta(days=2)
                    if answered >= self.now or (x.decided_at and answered >= x.decided_at):
                        break
                    questions.append(
                        InformationRequest(
                            notification=x,
                            question="Which keys sign for the new User Roles, and where?",
                            response_due_date=(asked + timedelta(days=14)).date(),
                            requested_by=x.rapporteur or self.committee[0],
                            requested_at=asked,
                            response="Our HSM, as described in the attached design. " * 3,
                            responded_by=submitter,
                            responded_at=answered,
                        )
                    )
                    log(
                        asked,
                        "request_information",
                        "under_review",
                        "information_requested",
                        x.rapporteur,
                    )
                    log(
                        answered,
                        "provide_information",
                        "information_requested",
                        "under_review",
                        submitter,
                    )
            if x.state == "information_requested":
                asked = self.clamp(
                    max(x.review_started_at or x.submitted_at, self.now - timedelta(days=12))
                    + timedelta(hours=1)
                )
                questions.append(
                    InformationRequest(
                        notification=x,
                        question="Please send the penetration-test report for the new system.",
                        response_due_date=(asked + timedelta(days=14)).date(),
                        requested_by=x.rapporteur or self.committee[0],
                        requested_at=asked,
                    )
                )
                source = "under_review" if x.review_started_at else "submitted"
                log(
                    asked,
                    "request_information",
                    source,
                    "information_requested",
                    x.rapporteur or self.committee[0],
                )
            if x.decided_at:
                outcome = (
                    Decision.Outcome.NO_ASSESSMENT
                    if x.state == "no_assessment_needed"
                    else Decision.Outcome.ASSESSMENT_REQUIRED
                )
                decider = rng.choice(self.committee)
                decisions.append(
                    Decision(
                        notification=x,
                        outcome=outcome,
                        rationale="The committee considered the notification and its answers. " * 2,
                        meeting=t["meeting"],
                        decided_by=decider,
                        decided_at=x.decided_at,
                    )
                )
                transition = (
                    "decide_no_assessment"
                    if outcome == Decision.Outcome.NO_ASSESSMENT
                    else "decide_assessment_required"
                )
                log(
                    x.decided_at,
                    transition,
                    "under_review",
                    x.state if x.state != "closed" else "assessment_required",
                    decider,
                )
                events.append(
                    SecurityEvent(
                        kind=SecurityEvent.Kind.DECISION,
                        actor=decider,
                        actor_email=decider.email,
                        organisation=x.organisation,
                        summary=f"{decider} recorded the decision on {x.reference}",
                        ip_address="192.0.2.30",
                        at=x.decided_at,
                    )
                )
            if x.closed_at:
                log(x.closed_at, "close", "assessment_required", "closed", secas[0])
            if x.withdrawn_at:
                log(x.withdrawn_at, "withdraw", "submitted", "withdrawn", submitter)
            # The conversation, files and emails of the case.
            last = x.closed_at or x.withdrawn_at or x.decided_at or self.now
            talk = 30 if showcase else rng.choice((0, 0, 1, 1, 2, 3, 4))
            for m in range(talk):
                when = x.submitted_at + (last - x.submitted_at) * (m + 1) / (talk + 1)
                messages.append(
                    Message(
                        notification=x,
                        author=submitter if m % 2 else rng.choice(secas + self.committee),
                        body="Thank you. We will check the separation and come back to you. " * 2,
                        created_at=when,
                    )
                )
            for f in range(4 if showcase else rng.choice((0, 1, 1, 2))):
                files.append(
                    Attachment(
                        notification=x,
                        file=f"attachments/{x.submitted_at:%Y/%m}/{x.pk:08d}{f}.pdf",
                        original_name=f"design-{f + 1}.pdf",
                        content_type="application/pdf",
                        size=rng.randint(50_000, 5_000_000),
                        description="Architecture and key management",
                        uploaded_by=submitter,
                        uploaded_at=x.submitted_at,
                    )
                )
            for e in range(3):
                when = x.submitted_at + (last - x.submitted_at) * e / 3
                emails.append(
                    EmailAbout(
                        OutboundEmail(
                            kind=("submitted", "triaged", "decided")[e],
                            to=[submitter.email],
                            subject=f"{x.reference}: an update on your notification",
                            body_text="Dear colleague,\n\n" + PARAGRAPH,
                            body_html="<p>Dear colleague,</p><p>" + PARAGRAPH + "</p>",
                            created_at=when,
                            sent_at=when + timedelta(seconds=30),
                            attempts=1,
                            next_attempt_at=when,
                        ),
                        x,
                    )
                )
        bulk(StateLog, logs, self.counts, "notification transition logs")
        bulk(AgendaItem, agenda, self.counts, "agenda items")
        bulk(Decision, decisions, self.counts, "decisions")
        bulk(InformationRequest, questions, self.counts, "information requests")
        bulk(Message, messages, self.counts, "messages")
        bulk(Attachment, files, self.counts, "attachments (rows only)")
        save_emails(emails)
        self.counts["outbox emails"] = self.counts.get("outbox emails", 0) + len(emails)
        bulk(SecurityEvent, events, self.counts, "security events")
        self.targeted_assessments(
            [t for t in entries if t["state"] in DECIDED - {"no_assessment_needed"}]
        )

    # --- assessments ----------------------------------------------------------------------------

    def assessment(
        self,
        organisation,
        kind,
        due: date,
        state_index: int,
        created: datetime,
        notification=None,
        cycle_year=None,
    ):
        from assessments.models import Assessment

        fields = {}
        if state_index >= 1:
            fields.update(
                cio_name="Bench CIO Ltd",
                fieldwork_start_date=due - timedelta(days=40),
                fieldwork_end_date=due - timedelta(days=30),
            )
        if state_index >= 3:
            fields.update(
                report_received_date=due - timedelta(days=20),
                response_due_date=due - timedelta(days=5),
            )
        if state_index >= 4:
            fields["response_received_date"] = due - timedelta(days=8)
        if state_index >= 5:
            fields.update(
                assurance_status=self.rng.choices(
                    ["approved", "approved_subject_to_steps", "deferred", "rejected"],
                    [0.7, 0.23, 0.05, 0.02],
                )[0],
                completed_at=self.clamp(at(due - timedelta(days=3), 16)),
            )
        return Assessment(
            organisation=organisation,
            kind=kind,
            # A case's assessment is ad hoc (G8.13) and, by default, not the annual review.
            reason="g8_13" if notification else "annual_review",
            counts_as_annual_review=notification is None,
            notification=notification,
            cycle_year=cycle_year,
            scope="Targeted assessment of the new User System."
            if notification
            else "Annual review of every User System.",
            due_date=due,
            state=ASSESSMENT_CHAIN[state_index][0],
            created_at=created,
            **fields,
        )

    def targeted_assessments(self, entries: list[dict]) -> None:
        rng = self.rng
        rows = []
        for t in entries:
            x = t["notification"]
            if x.state == "closed":
                due = x.closed_at.date() + timedelta(days=3)
                index = 5
            else:
                index = rng.randint(0, 4)
                due = x.decided_at.date() + timedelta(days=rng.randint(90, 200))
            assessment = self.assessment(
                x.organisation, "fusa", due, index, x.decided_at, notification=x
            )
            rows.append((assessment, [t["system"].pk]))
        self.save_assessments(rows)

    def annual_reviews(self) -> None:
        rng = self.rng
        rows = []
        for organisation in self.organisations:
            first = self.first_system[organisation.pk].pk
            later = [s for s in self.later_systems.get(organisation.pk, []) if s[1] <= self.today]
            for year in range(1, HISTORY_YEARS + 1):
                due = self.start + timedelta(days=365 * year - rng.randint(0, 60))
                if due >= self.today - timedelta(days=30):
                    break
                in_scope = [first, *[pk for pk, day in later[-40:] if day <= due][-5:]]
                rows.append(
                    (
                        self.assessment(
                            organisation,
                            ("fusa", "vusa", "ussa")[(year - 1) % 3],
                            due,
                            5,
                            at(due - timedelta(days=365)),
                            cycle_year=(year - 1) % 3 + 1,
                        ),
                        in_scope,
                    )
                )
            index = 3 if organisation.pk == self.built.large_organisation else rng.randint(0, 4)
            due = self.today + timedelta(days=rng.randint(-60, 400))
            in_scope = [first, *[pk for pk, _ in later[-10:]]]
            rows.append(
                (
                    self.assessment(
                        organisation,
                        rng.choice(["fusa", "vusa", "ussa"]),
                        due,
                        index,
                        self.clamp(at(due - timedelta(days=365))),
                        cycle_year=rng.randint(1, 3),
                    ),
                    in_scope,
                )
            )
        self.save_assessments(rows)
        large = [
            a
            for a, _ in rows
            if a.organisation_id == self.built.large_organisation and a.state != "completed"
        ]
        self.built.assessment = large[-1].pk

    def collect_later_systems(self) -> None:
        from notifications.models import UserSystem

        self.later_systems: dict[int, list[tuple[int, date]]] = {}
        rows = (
            UserSystem.objects.filter(is_first_system=False, status=UserSystem.Status.LIVE)
            .order_by("go_live_date")
            .values_list("organisation_id", "pk", "go_live_date")
        )
        for organisation_id, pk, day in rows.iterator(chunk_size=10_000):
            self.later_systems.setdefault(organisation_id, []).append((pk, day))

    def save_assessments(self, rows: list) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django_fsm_log.models import StateLog

        from assessments.models import Assessment, AssuranceRecord, LatestAssurance

        assessment_type = ContentType.objects.get_for_model(Assessment)
        bulk(Assessment, [a for a, _ in rows], self.counts, "assessments")
        scope = Assessment.systems_in_scope.through
        bulk(
            scope,
            [scope(assessment_id=a.pk, usersystem_id=pk) for a, systems in rows for pk in systems],
            self.counts,
            "assessment systems in scope",
        )
        logs, records = [], []
        for a, _ in rows:
            index = [name for name, _ in ASSESSMENT_CHAIN].index(a.state)
            for step in range(1, index + 1):
                moment = self.clamp(a.created_at + (self.now - a.created_at) * step / 12)
                if a.completed_at:
                    moment = a.created_at + (a.completed_at - a.created_at) * step / index
                logs.append(
                    StateLog(
                        timestamp=moment,
                        by=self.secas[0],
                        source_state=ASSESSMENT_CHAIN[step - 1][0],
                        state=ASSESSMENT_CHAIN[step][0],
                        transition=ASSESSMENT_CHAIN[step][1],
                        content_type=assessment_type,
                        object_id=a.pk,
                        description="",
                    )
                )
            if a.state == "completed":
                records.append(
                    AssuranceRecord(
                        organisation_id=a.organisation_id,
                        status=a.assurance_status,
                        kind=a.kind,
                        cycle_year=a.cycle_year or 1,
                        fieldwork_end_date=a.fieldwork_end_date,
                        effective_date=a.completed_at.date(),
                        assessment=a,
                        recorded_at=a.completed_at,
                    )
                )
        bulk(StateLog, logs, self.counts, "assessment transition logs")
        bulk(AssuranceRecord, records, self.counts, "assurance records")
        systems = {a.pk: pks for a, pks in rows}
        through = AssuranceRecord.systems.through
        bulk(
            through,
            [
                through(assurancerecord_id=r.pk, usersystem_id=pk)
                for r in records
                for pk in systems[r.assessment_id]
            ],
            self.counts,
            "assurance record systems",
        )
        LatestAssurance.objects.refresh()

    def finish(self) -> None:
        """Last-change times as the history implies (bulk_create stamps them all with now)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE notifications_notification SET updated_at = GREATEST(created_at, "
                "COALESCE(closed_at, withdrawn_at, decided_at, review_started_at, submitted_at, "
                "created_at))"
            )


def build(size: int, seed: int = SEED) -> Built:
    """Fill the (migrated, empty) default database with a history of `size` notifications."""
    from django.db import transaction

    builder = Builder(size, seed)
    with transaction.atomic():
        builder.people()
        builder.meetings()
        builder.notifications()
        builder.collect_later_systems()
        builder.annual_reviews()
        builder.finish()
    return builder.built
