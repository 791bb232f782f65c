"""Who may do what: the portal's roles, and the rules about people and organisations.

The only place outside selectors and migrations that reads a group name or a membership role.
Each app keeps its own rules in its `policy.py`, built from the predicates here; views, services,
templates (`policy.<app>.<rule>`, see policy_context), the admin, the FSM transitions, feeds and
exports all ask through `allows()`, never the roles themselves.
"""

from collections.abc import Callable
from typing import TypeGuard

import rules
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser

from users.models import (
    SECAS_STAFF_GROUP,
    SSC_MEMBERS_GROUP,
    CommitteeOffices,
    Membership,
    Organisation,
    User,
)

Person = User | AnonymousUser
# Roles are cumulative: admin > submitter > preparer.
SUBMITTING_ROLES = frozenset({Membership.Role.SUBMITTER, Membership.Role.ADMIN})
ADMIN_ROLE = Membership.Role.ADMIN
_group_permissions = ModelBackend()


def allows(user: Person, permission: str, obj: object = None) -> bool:
    """The policy's answer, exactly as written: no superuser shortcut (unlike `user.has_perm`),
    so a conflict of interest binds everyone."""
    return rules.has_perm(permission, user, obj)


def fsm_permission(permission: str) -> Callable[[object, Person], bool]:
    """django-fsm-2 calls `permission(instance, user)`; the policy takes (user, obj)."""

    def check(instance: object, user: Person) -> bool:
        return allows(user, permission, instance)

    check.__name__ = f"policy:{permission}"
    return check


def organisation_of(obj: object) -> Organisation | None:
    """The organisation a rule is about: the object itself, or the one it belongs to."""
    if obj is None or isinstance(obj, Organisation):
        return obj
    return getattr(obj, "organisation", None)


# --- Roles -----------------------------------------------------------------------------------


def _active(user: Person | None) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_active


@rules.predicate
def is_active_person(user: Person) -> bool:
    return _active(user)


@rules.predicate
def is_ssc_member(user: Person) -> bool:
    return _active(user) and SSC_MEMBERS_GROUP in user.group_names


@rules.predicate
def is_ssc_chair(user: Person) -> bool:
    """Holds the chair's office (SECAS records it): who acts on a given case is
    users.selectors.acting_chair's answer."""
    return (
        _active(user)
        and is_ssc_member(user)
        and CommitteeOffices.objects.filter(pk=1, chair=user).exists()
    )


@rules.predicate
def is_secas(user: Person) -> bool:
    return _active(user) and SECAS_STAFF_GROUP in user.group_names


@rules.predicate
def is_superuser(user: Person) -> bool:
    return is_active_person(user) and user.is_superuser


@rules.predicate
def uses_admin_site(user: Person) -> bool:
    return is_active_person(user) and user.is_staff


# SSC, SECAS and admin-site accounts: managed by SECAS, never members of a User.
is_committee_account = uses_admin_site | is_superuser | is_ssc_member | is_secas

COMMITTEE_GROUPS = frozenset({SSC_MEMBERS_GROUP, SECAS_STAFF_GROUP})


def becomes_committee_account(
    person: Person, *, is_staff: bool, is_superuser: bool, added_groups: set[str]
) -> bool:
    """Whether an access change would newly make the person a committee account."""
    return (
        (is_staff and not person.is_staff)
        or (is_superuser and not person.is_superuser)
        or bool(added_groups & COMMITTEE_GROUPS)
    )


# Two-factor sign-in is compulsory for every committee account; User staff may choose it.
must_use_two_factor = is_committee_account

# Who works on the committee's side: the queue, cases, meetings.
on_committee_side = is_secas | is_ssc_member | is_superuser

# Who works as the secretariat: the outstanding lists, exports, the audit trail.
on_secas_side = is_secas | is_superuser


def holds_model_permission(codename: str) -> rules.Predicate:
    """A Django model permission the person holds, read as the admin reads it: granted to their
    group (by the apps' data migrations) or to them, or every one for an active superuser."""

    @rules.predicate(name=f"holds:{codename}")
    def holds(user: Person) -> bool:
        # Through the model backend alone: `user.has_perm` would ask the rules again.
        return is_active_person(user) and _group_permissions.has_perm(user, codename)

    return holds


# --- A person and an organisation ------------------------------------------------------------


def _role_in(user: Person, obj: object):
    if not _active(user):
        return None
    return user.membership_for(organisation_of(obj))


@rules.predicate
def prepares_for(user: Person, obj: object) -> bool:
    """Works for the organisation (any role): may prepare its notifications."""
    return _role_in(user, obj) is not None


@rules.predicate
def submits_for(user: Person, obj: object) -> bool:
    membership = _role_in(user, obj)
    return membership is not None and membership.role in SUBMITTING_ROLES


@rules.predicate
def administers(user: Person, obj: object) -> bool:
    membership = _role_in(user, obj)
    return membership is not None and membership.role == ADMIN_ROLE


@rules.predicate
def conflicted_with(user: Person, obj: object) -> bool:
    """A declared conflict with the organisation, or working for it."""
    organisation = organisation_of(obj)
    return (
        _active(user)
        and organisation is not None
        and organisation.pk in user.conflicted_organisation_ids
    )


# --- The rules of the users app --------------------------------------------------------------

rules.add_perm("users.administer_organisation", administers)
rules.add_perm("users.view_audit_trail", on_secas_side)
rules.add_perm("users.use_admin_site", uses_admin_site)
# Committee accounts cannot hold a place in a User's organisation.
rules.add_perm("users.join_organisation", is_active_person & ~is_committee_account)
# Roles and access: an organisation's admins on the staff page, SECAS in the admin (any one).
rules.add_perm(
    "users.manage_memberships", administers | holds_model_permission("users.change_membership")
)
# SECAS adds people directly in the admin, so may also restore their access; an organisation
# admin invites them again instead (access comes back only with the person's consent).
rules.add_perm("users.restore_access", holds_model_permission("users.change_membership"))
rules.add_perm("users.add_member_directly", holds_model_permission("users.add_membership"))


@rules.predicate
def target_is_superuser(user: Person, target: object) -> bool:
    return isinstance(target, User) and target.is_superuser


@rules.predicate
def target_is_committee_account(user: Person, target: object) -> bool:
    return isinstance(target, User) and bool(is_committee_account(target))


# A person's account, flags and groups (SSC, SECAS): SECAS in the admin, but never a
# superuser's (the object is the person whose account it is).
rules.add_perm(
    "users.change_account",
    holds_model_permission("users.change_user") & (is_superuser | ~target_is_superuser),
)
# Making someone a superuser, or giving individual permissions: only a superuser.
rules.add_perm("users.grant_superuser", is_superuser)
# A committee account's email and password are its sign-in: only a superuser sets them, so no
# SECAS member can take over a colleague's (or a superuser's) account.
rules.add_perm(
    "users.set_sign_in_details",
    is_superuser | (holds_model_permission("users.change_user") & ~target_is_committee_account),
)
# The SSC chair and deputy: SECAS records who holds them.
rules.add_perm(
    "users.record_chair", on_secas_side & holds_model_permission("users.change_committeeoffices")
)
# Conflicts of interest: SECAS records and withdraws them, for SSC members only.
rules.add_perm("users.manage_conflicts", holds_model_permission("users.change_conflictofinterest"))
rules.add_perm("users.declare_conflict", is_ssc_member)
# An organisation's Smart Metering System count (its size): SECAS keeps it in the register.
rules.add_perm(
    "users.record_smart_metering_systems",
    on_secas_side & holds_model_permission("users.change_organisation"),
)


class UnknownRule(LookupError):
    """A template asked the policy about a rule no app defines."""


class _PolicyApp:
    """`policy.<app>.<name>` in a template: the policy's answer for the signed-in person."""

    def __init__(self, user: Person, app_label: str):
        self.user, self.app_label = user, app_label

    def __getitem__(self, name: str) -> bool:
        rule = f"{self.app_label}.{name}"
        if not rules.perm_exists(rule):
            # Not a KeyError, which a template would swallow as "no": a typo must show.
            raise UnknownRule(f"No rule named {rule} in the access policy.")
        return allows(self.user, rule)

    def __iter__(self):
        # Templates try iteration on a lookup; a rule set is not a list.
        raise TypeError("not iterable")


class _PolicyWrapper:
    def __init__(self, user: Person):
        self.user = user

    def __getitem__(self, app_label: str) -> _PolicyApp:
        return _PolicyApp(self.user, app_label)

    def __iter__(self):
        raise TypeError("not iterable")


def policy_context(request) -> dict:
    """Templates ask the policy as the views do (`policy.users.use_admin_site`), not `perms`,
    whose superuser shortcut showed links to pages that then refused."""
    return {"policy": _PolicyWrapper(request.user)}
