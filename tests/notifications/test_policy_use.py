"""The notifications app's pages follow the policy's answers."""

from django.urls import reverse

from notifications import selectors
from tests import factories

# The project-wide scan for role checks is tests/test_policy_is_the_only_role_check.py.


def test_ssc_members_are_the_active_members_of_the_ssc_by_name(db, secas):
    later = factories.ssc_user(full_name="Zoe Member")
    earlier = factories.ssc_user(full_name="Ann Member")
    factories.ssc_user(full_name="Bob Gone", is_active=False)
    assert list(selectors.ssc_members()) == [earlier, later]


def test_a_preparer_is_shown_who_may_submit_and_cannot_submit(
    client, draft, preparer, submitter, org_admin
):
    leaver = factories.MembershipFactory(organisation=draft.organisation, role="submitter")
    leaver.is_active = False
    leaver.save()
    client.force_login(preparer)
    page = client.get(reverse("notifications:check", args=[draft.pk])).content.decode()
    assert submitter.full_name in page
    assert org_admin.full_name in page
    assert leaver.user.full_name not in page
    assert 'name="declaration_accepted"' not in page


def test_a_submitter_is_offered_the_declaration(client, draft, submitter):
    client.force_login(submitter)
    page = client.get(reverse("notifications:check", args=[draft.pk])).content.decode()
    assert 'name="declaration_accepted"' in page
