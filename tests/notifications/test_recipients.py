"""Who receives what: one table in notifications.recipients, and the emails follow it."""

from django.conf import settings
from django.urls import reverse

from notifications import services
from notifications.recipients import AUDIENCES, recipients_for
from sscportal.mail.models import OutboundEmail
from tests import factories
from users.models import Membership


def addresses(kind, **kwargs) -> list[str]:
    return [recipient.email for recipient in recipients_for(kind, **kwargs)]


def sent(kind) -> list[str]:
    return [
        address
        for email in OutboundEmail.objects.filter(kind=kind).order_by("pk")
        for address in email.to
    ]


def test_a_withdrawal_goes_to_secas_the_rapporteur_and_the_users_side(
    under_review, submitter, ssc_member
):
    services.withdraw_notification(notification=under_review, by=submitter, reason="Cancelled.")
    assert sent("withdrawn") == [
        settings.SECAS_MAILBOX,
        ssc_member.email,
        submitter.email,
        under_review.contact_email,
        under_review.organisation.contact_email,
    ]


def test_a_rapporteur_who_declares_a_conflict_hears_no_more_of_the_case(under_review, ssc_member):
    ssc_member.conflicts_of_interest.create(
        organisation=under_review.organisation, reason="Joined their board"
    )
    rapporteur = type(ssc_member).objects.get(pk=ssc_member.pk)  # conflicts are cached per user
    under_review.rapporteur = rapporteur
    assert ssc_member.email not in addresses("information_provided", notification=under_review)
    assert addresses("information_provided", notification=under_review) == [settings.SECAS_MAILBOX]


def test_a_rapporteur_who_leaves_the_ssc_hears_no_more_of_the_case(under_review, ssc_member):
    ssc_member.groups.clear()
    under_review.rapporteur = type(ssc_member).objects.get(pk=ssc_member.pk)
    assert addresses("withdrawn", notification=under_review)[:1] == [settings.SECAS_MAILBOX]
    assert ssc_member.email not in addresses("withdrawn", notification=under_review)


def test_each_address_is_written_to_once_however_it_is_reached(submitted, submitter):
    submitted.contact_email = submitter.email.upper()
    assert addresses("receipt", notification=submitted) == [
        submitter.email,
        submitted.organisation.contact_email,
    ]


def test_the_person_answering_gets_a_receipt_with_the_users_side(under_review, secas, org_admin):
    services.request_information(notification=under_review, by=secas, question="Which hosts?")
    services.provide_information(notification=under_review, by=org_admin, response="Two.")
    assert sent("information_provided_receipt")[0] == org_admin.email
    assert under_review.contact_email in sent("information_provided_receipt")


def test_a_message_goes_to_the_other_side(submitted, submitter, secas):
    services.post_message(notification=submitted, by=submitter, body="When is the meeting?")
    assert sent("message") == [settings.SECAS_MAILBOX]
    OutboundEmail.objects.all().delete()
    services.post_message(notification=submitted, by=secas, body="On the 12th.")
    assert settings.SECAS_MAILBOX not in sent("message")
    assert submitted.contact_email in sent("message")


def test_an_organisations_people_are_its_contact_and_those_who_may_submit(
    organisation, preparer, submitter, org_admin
):
    leaver = factories.MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN)
    leaver.is_active = False
    leaver.save()
    found = addresses("assessment_decision_letter", organisation=organisation)
    assert found[0] == organisation.contact_email
    assert set(found[1:]) == {submitter.email, org_admin.email}


def test_every_email_the_portal_queues_has_an_audience():
    """A kind missing from the table fails at once rather than mailing nobody."""
    assert {
        "receipt",
        "secas_alert",
        "information_requested",
        "information_provided",
        "information_provided_receipt",
        "withdrawn",
        "message_to_committee",
        "message_to_user",
        "rapporteur_assigned",
        "decision_letter",
        "assessment_decision_letter",
    } <= set(AUDIENCES)


def test_each_reader_gets_the_link_to_the_page_they_use(submitted):
    alert = OutboundEmail.objects.get(kind="secas_alert")
    receipt = OutboundEmail.objects.filter(kind="receipt").first()
    case_page = settings.PORTAL_BASE_URL + reverse("assessments:case", args=[submitted.pk])
    own_page = settings.PORTAL_BASE_URL + reverse("notifications:detail", args=[submitted.pk])
    assert case_page in alert.body_text
    assert own_page in receipt.body_text
    assert case_page not in receipt.body_text
