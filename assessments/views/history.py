"""SECAS's register history: the latest changes to the registers, who made them, before → after.

Each register keeps its own history table (django-simple-history). A page reads only as deep
as it shows: the newest keys of each register, merged; then the page's rows, the row before each
(for the "before"), and the many-to-many snapshots, a fixed number of queries per register.
"""

import datetime
from dataclasses import dataclass
from heapq import merge
from itertools import islice
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.generic import TemplateView
from simple_history.models import DeletedObject
from simple_history.utils import get_m2m_reverse_field_name

from assessments.models import AssessmentCycleRule, SSCMeeting, TriageSettings
from assessments.views.secas import PAGE_SIZE, SecasMixin
from notifications.models import SharedResourceProvider, UserSystem
from sscportal.history import BASELINE_REASON
from sscportal.pagination import page_number_of
from users.models import CommitteeOffices, ConflictOfInterest, Membership, Organisation

PAGES_AHEAD = 4  # as CappedPaginator: count a few pages past the one shown, never the history
EMPTY = "—"


@dataclass(frozen=True)
class Register:
    label: str
    model: type
    related: tuple[str, ...]  # the foreign keys a row's description or changes show
    describe: object  # (historical row) -> str

    @property
    def history(self):
        return self.model.history.model

    @property
    def m2m_fields(self):
        return self.history._history_m2m_fields


def _meeting(row) -> str:
    return row.title or f"SSC {row.get_kind_display()}, {row.date:%d/%m/%Y}"


REGISTERS = {
    "organisations": Register("Organisations", Organisation, (), lambda row: row.name),
    "memberships": Register(
        "Memberships",
        Membership,
        ("user", "organisation"),
        lambda row: f"{_name(row.user)} at {_name(row.organisation)}",
    ),
    "providers": Register(
        "Shared Resource Providers", SharedResourceProvider, (), lambda row: row.name
    ),
    "systems": Register(
        "User Systems",
        UserSystem,
        ("organisation", "provider", "srp_coverage_confirmed_by"),
        lambda row: f"{row.name} ({_name(row.organisation)})",
    ),
    "conflicts": Register(
        "Conflicts of interest",
        ConflictOfInterest,
        ("member", "organisation"),
        lambda row: f"{_name(row.member)} and {_name(row.organisation)}",
    ),
    "meetings": Register("SSC meetings", SSCMeeting, (), _meeting),
    "cycle": Register(
        "Cycle matrix",
        AssessmentCycleRule,
        (),
        lambda row: f"{row.get_party_category_display()} ({row.size}), year {row.cycle_year}",
    ),
    "triage": Register(
        "Triage thresholds", TriageSettings, (), lambda row: "The triage thresholds"
    ),
    "chair": Register(
        "SSC chair and deputy",
        CommitteeOffices,
        ("chair", "deputy"),
        lambda row: "The SSC chair and deputy chair",
    ),
}


def _name(obj) -> str:
    return EMPTY if obj is None else str(obj)


def _show(field, value) -> str:
    """A value as a person reads it: choice labels, Yes/No, UK dates, names."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, DeletedObject):
        # django-simple-history reports an empty foreign key as a deleted object too.
        return EMPTY if value.pk is None else f"(deleted {value.model._meta.verbose_name})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _label(field) -> str:
    return str(field.verbose_name)[:1].upper() + str(field.verbose_name)[1:]


def _newest_keys(registers: dict, depth: int) -> list[tuple]:
    """(when, history id, register slug) of the newest `depth` changes across the registers."""
    streams = [
        [
            (when, history_id, slug)
            for when, history_id in register.history.objects.exclude(
                history_change_reason=BASELINE_REASON
            )
            .order_by("-history_date", "-history_id")
            .values_list("history_date", "history_id")[:depth]
        ]
        for slug, register in registers.items()
    ]
    return list(islice(merge(*streams, reverse=True), depth))


def _rows_with_previous(register: Register, ids: list[int]) -> tuple[dict, dict]:
    """The page's rows of one register, and for each the row before it (its "before")."""
    history = register.history
    earlier = history.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    rows = {
        row.history_id: row
        for row in history.objects.filter(history_id__in=ids)
        .select_related("history_user", *register.related)
        .annotate(
            previous_id=Subquery(
                earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
            )
        )
    }
    previous_ids = [row.previous_id for row in rows.values() if row.previous_id]
    previous = {
        row.history_id: row
        for row in history.objects.filter(history_id__in=previous_ids).select_related(
            *register.related
        )
    }
    return rows, previous


def _m2m_snapshots(register: Register, history_ids: list[int]) -> dict:
    """{(field name, history id): sorted names} for each many-to-many field, one query each."""
    snapshots = {}
    for field in register.m2m_fields:
        target = get_m2m_reverse_field_name(field)
        links = getattr(register.history, field.name).model.objects.filter(
            history_id__in=history_ids
        )
        names = {}
        for link in links.select_related(target):
            names.setdefault(link.history_id, []).append(_name(getattr(link, target)))
        for history_id in history_ids:
            snapshots[field.name, history_id] = sorted(names.get(history_id, []))
    return snapshots


def _changes(register: Register, row, before, snapshots: dict) -> list[dict]:
    model_fields = register.model._meta
    m2m_names = [field.name for field in register.m2m_fields]
    changes = []
    if before is not None:
        delta = row.diff_against(before, excluded_fields=m2m_names, foreign_keys_are_objs=True)
        pairs = [(change.field, change.old, change.new) for change in delta.changes]
    else:
        # Created (or first seen): every value it was given, from nothing.
        pairs = [
            (field.name, None, getattr(row, field.name))
            for field in row.tracked_fields
            if field.editable and field.name != "id" and field.name not in m2m_names
        ]
    for name, old, new in pairs:
        field = model_fields.get_field(name)
        shown_old, shown_new = _show(field, old), _show(field, new)
        if shown_old != shown_new:
            changes.append({"field": _label(field), "before": shown_old, "after": shown_new})
    for name in m2m_names:
        new = snapshots[name, row.history_id]
        old = snapshots[name, before.history_id] if before is not None else []
        if old != new:
            changes.append(
                {
                    "field": _label(model_fields.get_field(name)),
                    "before": ", ".join(old) or EMPTY,
                    "after": ", ".join(new) or EMPTY,
                }
            )
    return changes


def _admin_history_url(register: Register, object_id) -> str:
    meta = register.model._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[object_id])
    except NoReverseMatch:
        return ""


class HistoryPaginator(Paginator):
    """Pages of the merged keys, counted a few pages ahead like CappedPaginator."""

    def __init__(self, keys, per_page, *, depth):
        super().__init__(keys, per_page)
        self.has_more_than_counted = len(keys) >= depth


class RegisterHistoryView(SecasMixin, TemplateView):
    """The latest changes to the registers, newest first, 50 a page; `?register=` narrows."""

    template_name = "assessments/register_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = self.request.GET.get("register", "")
        registers = {chosen: REGISTERS[chosen]} if chosen in REGISTERS else REGISTERS
        number = page_number_of(self.request.GET.get("page"))
        depth = (number + PAGES_AHEAD) * PAGE_SIZE + 1
        page = HistoryPaginator(_newest_keys(registers, depth), PAGE_SIZE, depth=depth).get_page(
            number
        )
        context.update(
            page=page,
            entries=self._entries(page.object_list),
            filters=[
                {
                    "label": "All registers",
                    "query": "",
                    "active": chosen not in REGISTERS,
                },
                *[
                    {
                        "label": register.label,
                        "query": urlencode({"register": slug}),
                        "active": slug == chosen,
                    }
                    for slug, register in REGISTERS.items()
                ],
            ],
            query_string=urlencode({"register": chosen}) if chosen in REGISTERS else "",
        )
        return context

    def _entries(self, keys) -> list[dict]:
        by_register = {}
        for _when, history_id, slug in keys:
            by_register.setdefault(slug, []).append(history_id)
        found = {}
        for slug, ids in by_register.items():
            register = REGISTERS[slug]
            rows, previous = _rows_with_previous(register, ids)
            snapshots = _m2m_snapshots(register, [*rows, *previous])
            for history_id, row in rows.items():
                before = previous.get(row.previous_id)
                found[slug, history_id] = {
                    "when": row.history_date,
                    "who": _name(row.history_user) if row.history_user_id else "Not recorded",
                    "register": register.model._meta.verbose_name,
                    "entry": register.describe(row),
                    "kind": row.get_history_type_display(),
                    "reason": row.history_change_reason or "",
                    "changes": _changes(register, row, before, snapshots),
                    "admin_url": _admin_history_url(register, row.id),
                }
        return [found[slug, history_id] for _when, history_id, slug in keys]
