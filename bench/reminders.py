"""Benchmark of the daily reminder scan (assessments.reminders.send_reminders) at scale.

Run it against a local PostgreSQL server (the database named in the URL is only used to
create and drop the bench's own throwaway database, `sscportal_bench`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/reminders.py

Add `--profile` to also run the scan once more under cProfile and print where the time goes.

What it does:

1. Creates `sscportal_bench` (dropping any earlier one), migrates it, and builds 50,000
   organisations, each with a submitter, one open annual review and one G8.13 assessment
   (100,000 annual-review and assessment records), plus a few hundred undecided
   notifications with go-live dates near the benchmark day and open information requests.
2. Imports the URLconf first (a worker's first-use cost, printed), then times
   `send_reminders(today=TODAY)` and counts its SQL queries; runs it again the same day
   (a rerun must send nothing); then rebuilds everything at 10% of the size and scans again,
   so the query counts at the two sizes can be compared.
3. Drops the database. Exits 1 if the first full-size scan took 5 seconds or more (issue 10).

Delivery is not part of the scan, and neither is rendering: the run writes each email's
template and context to the outbox and queues one outbox sweep after commit, which a Celery
worker performs in production (rendering each email as it sends it), so the sweep's `delay` is
replaced by a recorder here.
"""

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "sscportal_bench"
TODAY = date(2027, 3, 1)  # a Monday, so the weekly digest is due too
LONDON = ZoneInfo("Europe/London")
LIMIT_SECONDS = 5.0

ORGANISATIONS = 50_000  # each: one open annual review and one G8.13 assessment
OPEN_G8_13_SHARE = 0.2  # the rest are completed (historical) and never reminded
LIVE_CASES = 300  # undecided notifications with go-live dates near TODAY
SMALL_SCALE = 0.1
BUILD_BATCH = 5_000
SCAN_CHUNK = 1_000  # assessments.reminders.BATCH: iterator chunk and insert batch size


@dataclass
class Scan:
    label: str
    due: int
    sent: int
    written: int
    seconds: float
    queries: int
    statements: Counter
    sweeps_queued: int


# --- The throwaway database -------------------------------------------------------------------


def server_url() -> str:
    """DATABASE_URL, if (and only if) it points to PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(
            "bench/reminders.py needs DATABASE_URL pointing to a PostgreSQL server, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
            ".venv/bin/python bench/reminders.py"
        )
    if urlsplit(url).path.lstrip("/") == BENCH_DATABASE:
        sys.exit(f"Name another database in DATABASE_URL: {BENCH_DATABASE} is the bench's own.")
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(url: str, sql: str) -> None:
    """Run CREATE/DROP DATABASE on the server's maintenance database (outside a transaction)."""
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def create_database(url: str) -> None:
    drop_database(url)
    admin(url, f'CREATE DATABASE "{BENCH_DATABASE}"')


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Building the data ------------------------------------------------------------------------


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=LONDON) + timedelta(hours=hour)


def spread_due_date(rng: random.Random) -> date:
    """A due date from 30 days ago to 400 days ahead, as the brief of the stress test says."""
    return TODAY + timedelta(days=rng.randint(-30, 400))


def build(scale: float) -> dict[str, int]:
    """Build the data set at `scale` (1.0 = 100,000 records); returns what was built."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from assessments.models import Assessment, AssessmentKind, AssessmentReason, AssessmentState
    from notifications.models import (
        AssuranceStatus,
        DeliveryModel,
        InformationRequest,
        Notification,
        NotificationState,
    )
    from users.models import (
        SSC_MEMBERS_GROUP,
        CommitteeOffices,
        Membership,
        Organisation,
        PartyCategory,
        User,
    )

    rng = random.Random(2027)
    count = round(ORGANISATIONS * scale)
    live = max(1, round(LIVE_CASES * scale))

    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Bench Energy {i:06d} Ltd",
                sec_party_id=f"SP-{i:06d}",
                party_category=rng.choice(PartyCategory.values),
                contact_email=f"security@org{i:06d}.example",
            )
            for i in range(count)
        ],
        batch_size=BUILD_BATCH,
    )
    submitters = User.objects.bulk_create(
        [
            User(
                email=f"submitter@org{i:06d}.example",
                full_name=f"Submitter {i:06d}",
                password=make_password(None),
            )
            for i in range(count)
        ],
        batch_size=BUILD_BATCH,
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation=organisation, role=Membership.Role.SUBMITTER)
            for user, organisation in zip(submitters, organisations, strict=True)
        ],
        batch_size=BUILD_BATCH,
    )
    chair = User.objects.create(
        email="chair@ssc.example", full_name="SSC Chair", password=make_password(None)
    )
    chair.groups.add(Group.objects.get_or_create(name=SSC_MEMBERS_GROUP)[0])
    CommitteeOffices.objects.update_or_create(pk=1, defaults={"chair": chair})

    # One open annual review per organisation (assessments.services.next_annual_review).
    annual_kinds = [AssessmentKind.FUSA, AssessmentKind.VUSA, AssessmentKind.USSA]
    reviews = []
    for organisation in organisations:
        cycle_year = rng.randint(1, 3)
        review = Assessment(
            organisation=organisation,
            kind=annual_kinds[cycle_year - 1],
            cycle_year=cycle_year,
            due_date=spread_due_date(rng),
            scope="Annual review",
            state=rng.choice([AssessmentState.REQUIRED, AssessmentState.SCHEDULED]),
        )
        if review.state == AssessmentState.SCHEDULED:
            review.cio_name = "Bench CIO Ltd"
            review.fieldwork_start_date = review.due_date - timedelta(days=20)
            review.fieldwork_end_date = review.due_date - timedelta(days=10)
        reviews.append(review)
    Assessment.objects.bulk_create(reviews, batch_size=BUILD_BATCH)

    # One decided notification per organisation whose G8.13 assessment is open or completed.
    decided = []
    for i, (organisation, submitter) in enumerate(zip(organisations, submitters, strict=True)):
        is_open = rng.random() < OPEN_G8_13_SHARE
        submitted = at(TODAY - timedelta(days=rng.randint(60, 900)))
        decided.append(
            Notification(
                reference=f"SSN-B-{i:06d}",
                organisation=organisation,
                state=NotificationState.ASSESSMENT_REQUIRED
                if is_open
                else NotificationState.CLOSED,
                created_by=submitter,
                submitted_by=submitter,
                declaration_accepted=True,
                system_name=f"User System {i:06d}-2",
                purpose="A second User System for the bench.",
                planned_go_live_date=submitted.date() + timedelta(days=60),
                delivery_model=DeliveryModel.IN_HOUSE,
                created_at=submitted - timedelta(days=5),
                submitted_at=submitted,
                review_started_at=submitted + timedelta(days=2),
                decided_at=submitted + timedelta(days=20),
                closed_at=None if is_open else submitted + timedelta(days=200),
            )
        )
    Notification.objects.bulk_create(decided, batch_size=BUILD_BATCH)
    targeted = []
    for notification in decided:
        is_open = notification.state == NotificationState.ASSESSMENT_REQUIRED
        assessment = Assessment(
            organisation=notification.organisation,
            kind=AssessmentKind.FUSA,
            reason=AssessmentReason.G8_13,
            counts_as_annual_review=False,
            notification=notification,
            scope=f"Targeted assessment of {notification.system_name} under G8.13.",
            due_date=spread_due_date(rng) if is_open else notification.submitted_at.date(),
            state=AssessmentState.REQUIRED if is_open else AssessmentState.COMPLETED,
        )
        if not is_open:
            assessment.assurance_status = rng.choice(
                [AssuranceStatus.APPROVED, AssuranceStatus.APPROVED_SUBJECT_TO_STEPS]
            )
            assessment.completed_at = notification.closed_at
        targeted.append(assessment)
    Assessment.objects.bulk_create(targeted, batch_size=BUILD_BATCH)

    # The live caseload: undecided notifications going live soon, some waiting on an answer.
    states = [
        NotificationState.SUBMITTED,
        NotificationState.UNDER_REVIEW,
        NotificationState.INFORMATION_REQUESTED,
    ]
    cases = []
    for i in range(live):
        index = rng.randrange(count)
        submitted = at(TODAY - timedelta(days=rng.randint(0, 60)))
        state = states[i % len(states)]
        cases.append(
            Notification(
                reference=f"SSN-L-{i:06d}",
                organisation=organisations[index],
                state=state,
                created_by=submitters[index],
                submitted_by=submitters[index],
                declaration_accepted=True,
                system_name=f"User System {index:06d}-3",
                purpose="A further User System for the bench.",
                planned_go_live_date=TODAY + timedelta(days=rng.randint(1, 40)),
                delivery_model=DeliveryModel.IN_HOUSE,
                created_at=submitted - timedelta(days=3),
                submitted_at=submitted,
                review_started_at=None
                if state == NotificationState.SUBMITTED
                else submitted + timedelta(days=1),
            )
        )
    Notification.objects.bulk_create(cases, batch_size=BUILD_BATCH)
    questions = []
    for case in cases:
        asked = case.submitted_at + timedelta(days=1)
        if case.state == NotificationState.UNDER_REVIEW:
            # An earlier question, answered: it paused the decision clock for a while.
            questions.append(
                InformationRequest(
                    notification=case,
                    question="Which keys sign for the new User Roles?",
                    response_due_date=asked.date() + timedelta(days=7),
                    requested_by=chair,
                    requested_at=asked,
                    response="Our HSM, as described in the attachment.",
                    responded_by=case.submitted_by,
                    responded_at=asked + timedelta(days=3),
                )
            )
        elif case.state == NotificationState.INFORMATION_REQUESTED:
            questions.append(
                InformationRequest(
                    notification=case,
                    question="Please send the penetration-test report for the new system.",
                    response_due_date=TODAY + timedelta(days=rng.randint(-5, 5)),
                    requested_by=chair,
                    requested_at=min(asked, at(TODAY, hour=9)),
                )
            )
    InformationRequest.objects.bulk_create(questions, batch_size=BUILD_BATCH)

    return {
        "organisations": count,
        "annual reviews": len(reviews),
        "G8.13 assessments": len(targeted),
        "open G8.13 assessments": sum(a.state != AssessmentState.COMPLETED for a in targeted),
        "undecided notifications": len(cases),
        "information requests": len(questions),
    }


# --- Scanning ---------------------------------------------------------------------------------


def scan(label: str) -> Scan:
    """Run the daily reminder scan once for TODAY; time it and count its SQL statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.reminders import send_reminders
    from sscportal.mail.models import OutboundEmail
    from sscportal.mail.tasks import sweep_outbox

    before = OutboundEmail.objects.count()
    with (
        mock.patch.object(sweep_outbox, "delay") as queued,
        CaptureQueriesContext(connection) as captured,
    ):
        start = time.perf_counter()
        result = send_reminders(today=TODAY)
        seconds = time.perf_counter() - start
    statements = Counter(query["sql"].split(None, 1)[0].upper() for query in captured)
    return Scan(
        label=label,
        due=result["due"],
        sent=result["sent"],
        written=OutboundEmail.objects.count() - before,
        seconds=seconds,
        queries=len(captured),
        statements=statements,
        sweeps_queued=queued.call_count,
    )


def warm_up() -> None:
    """Import the URLconf (every app's views, the API's schemas) before timing, as a worker
    has by the time the daily run comes: it is a process's first-use cost, not the scan's."""
    from django.urls import reverse

    start = time.perf_counter()
    reverse("home")
    print(f"URLconf imported before the scans are timed: {time.perf_counter() - start:.2f} s")


def scanned_rows() -> int:
    """Rows the two chunked scans (annual reviews, assessments due) read from the database."""
    from assessments.models import Assessment
    from assessments.reminders import ANNUAL_REVIEW_DAYS, ASSESSMENT_DUE_DAYS

    open_ = Assessment.objects.open()
    reviews = open_.filter(
        notification__isnull=True,
        due_date__gt=TODAY,
        due_date__lte=TODAY + timedelta(days=max(ANNUAL_REVIEW_DAYS)),
    ).count()
    assessments = (
        open_.filter(due_date__lte=TODAY + timedelta(days=max(ASSESSMENT_DUE_DAYS)))
        .exclude(notification__isnull=True, due_date__gte=TODAY)
        .count()
    )
    return reviews + assessments


def due_by_kind() -> dict[str, int]:
    from django.db.models import Count

    from assessments.models import Reminder

    rows = Reminder.objects.values("kind").annotate(n=Count("pk")).order_by("-n")
    return {row["kind"]: row["n"] for row in rows}


def clear_sent() -> None:
    """Forget every reminder and email, so the next scan sends everything again."""
    from django.db import connection

    with connection.cursor() as cursor:
        # The outbox's link tables go with it: TRUNCATE refuses a table others point at.
        cursor.execute(
            "TRUNCATE assessments_reminder, notifications_notificationemail, "
            "users_organisationemail, notifications_outboundemail"
        )


def profile_scan() -> None:
    clear_sent()
    profiler = cProfile.Profile()
    profiler.enable()
    result = scan("profiled")
    profiler.disable()
    print(f"\nprofile: a third scan after clearing the reminders ({result.seconds:.2f} s with")
    print("the profiler's overhead); the 25 calls with the most cumulative time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


# --- Output -----------------------------------------------------------------------------------


def show_scan(result: Scan) -> None:
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(result.statements.items()))
    print(
        f"{result.label}: {result.due:,} reminders due, {result.sent:,} sent, "
        f"{result.written:,} emails written, {result.seconds:.2f} s, "
        f"{result.queries} queries ({kinds}), {result.sweeps_queued} outbox sweep queued"
    )


def show_build(label: str, built: dict[str, int], seconds: float) -> None:
    records = built["annual reviews"] + built["G8.13 assessments"]
    detail = ", ".join(f"{n:,} {what}" for what, n in built.items())
    print(f"{label}: built {records:,} annual-review and assessment records in {seconds:.0f} s")
    print(f"  ({detail})")


def run_at(scale: float, label: str) -> tuple[dict[str, int], list[Scan], int]:
    start = time.perf_counter()
    migrate()
    built = build(scale)
    show_build(label, built, time.perf_counter() - start)
    rows = scanned_rows()
    first = scan(f"{label}, scan 1")
    show_scan(first)
    print(
        f"  the two chunked scans read {rows:,} rows through server-side cursors: "
        f"~{-(-rows // SCAN_CHUNK)} FETCH round trips of {SCAN_CHUNK:,} rows, not in the count"
    )
    print("  due by kind: " + ", ".join(f"{n:,} {kind}" for kind, n in due_by_kind().items()))
    second = scan(f"{label}, scan 2 (same day)")
    show_scan(second)
    return built, [first, second], rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", action="store_true", help="profile a third full scan")
    options = parser.parse_args()

    url = server_url()
    os.environ["DATABASE_URL"] = with_database(url, BENCH_DATABASE)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sscportal.test_settings"
    os.environ.pop("DJANGO_DEBUG", None)  # production-like: cached templates, no query log
    os.environ.pop("CELERY_BROKER_URL", None)  # nothing leaves the process
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connection

    try:
        create_database(url)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(
            f"Reminder scan benchmark for {TODAY:%A %d %B %Y}: PostgreSQL {version}, "
            f"{os.cpu_count()} CPUs"
        )
        warm_up()
        _, (full, _again), _ = run_at(1.0, "full size")
        if options.profile:
            profile_scan()
        create_database(url)
        _, (small, _), _ = run_at(SMALL_SCALE, "10% size")
    finally:
        drop_database(url)

    print(
        f"\nqueries vs reminders due: {small.queries} queries for {small.due:,} due, "
        f"{full.queries} queries for {full.due:,} due "
        f"({full.due / max(small.due, 1):.1f}x the reminders, "
        f"{full.queries - small.queries:+d} queries)"
    )
    verdict = "OK" if full.seconds < LIMIT_SECONDS else "TOO SLOW"
    print(f"first full-size scan: {full.seconds:.2f} s (limit {LIMIT_SECONDS:.0f} s): {verdict}")
    return 0 if full.seconds < LIMIT_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
