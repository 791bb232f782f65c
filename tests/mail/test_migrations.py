"""The outbox moves to sscportal.mail with every row, and what each row is about."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments.selectors import communications
from tests import factories

BEFORE_THE_MOVE = ("notifications", "0011_register_history")


def migrate(target=None):
    """Migrate to just before the move (unapplying mail and all that depends on it), or to
    the latest migrations; the models as they were at that point."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("mail", None)] if target else leaves)
    executor.loader.build_graph()
    return executor.loader.project_state([target] if target else leaves).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("mail_type_exists", [False, True], ids=["fresh", "partial migrate"])
def test_moving_the_outbox_carries_each_emails_case_and_organisation_into_the_link_tables(
    mail_type_exists,
):
    organisation, other = factories.OrganisationFactory(), factories.OrganisationFactory()
    case = factories.NotificationFactory(organisation=organisation)
    try:
        old = migrate(BEFORE_THE_MOVE)
        old_types = old.get_model("contenttypes", "ContentType").objects
        # After a partial migrate, post_migrate has already made the mail app's type and
        # permissions; otherwise only the notifications app's exist.
        old_types.filter(app_label="mail").delete()
        # SECAS reads the outbox before the move (set here: other tests' flushes may have
        # emptied the groups).
        old_permissions = old.get_model("auth", "Permission").objects
        notifications_type, _ = old_types.get_or_create(
            app_label="notifications", model="outboundemail"
        )
        can_view, _ = old_permissions.get_or_create(
            content_type=notifications_type,
            codename="view_outboundemail",
            defaults={"name": "Can view email"},
        )
        secas_group, _ = old.get_model("auth", "Group").objects.get_or_create(name="SECAS staff")
        secas_group.permissions.add(can_view)
        if mail_type_exists:
            mail_type = old_types.create(app_label="mail", model="outboundemail")
            old.get_model("auth", "Permission").objects.create(
                content_type=mail_type, codename="view_outboundemail", name="Can view email"
            )
        old_email = old.get_model("notifications", "OutboundEmail")
        about_case = old_email.objects.create(
            kind="receipt",
            to=["a@example.org"],
            subject="Case",
            organisation_id=organisation.pk,
            notification_id=case.pk,
        )
        about_other = old_email.objects.create(
            kind="invitation", to=["b@example.org"], subject="Other", organisation_id=other.pk
        )
        about_nothing = old_email.objects.create(kind="test", to=["c@example.org"], subject="-")

        new = migrate()
        emails = new.get_model("mail", "OutboundEmail").objects
        assert dict(emails.values_list("pk", "subject")) == {
            about_case.pk: "Case",
            about_other.pk: "Other",
            about_nothing.pk: "-",
        }
        assert list(
            new.get_model("notifications", "NotificationEmail").objects.values_list(
                "email_id", "notification_id"
            )
        ) == [(about_case.pk, case.pk)]
        assert sorted(
            new.get_model("users", "OrganisationEmail").objects.values_list(
                "email_id", "organisation_id"
            )
        ) == [(about_case.pk, organisation.pk), (about_other.pk, other.pk)]
        # Each organisation link carries its email's time, which orders the log (users/0017).
        links = new.get_model("users", "OrganisationEmail").objects
        assert all(a == b for a, b in links.values_list("written_at", "email__created_at"))
        # The communications logs read them as before.
        assert [e.pk for e in communications(notification=case)] == [about_case.pk]
        assert [e.pk for e in communications(organisation=other)] == [about_other.pk]
        # SECAS's permission to read the outbox moved with the model.
        (permission,) = Permission.objects.filter(codename="view_outboundemail")
        assert permission.content_type.app_label == "mail"
        assert permission.group_set.filter(name="SECAS staff").exists()

        if mail_type_exists:
            return  # going back is the same either way: checked once (each pass takes minutes)
        # Going back puts the links into the old columns again.
        old = migrate(BEFORE_THE_MOVE)
        assert sorted(
            old.get_model("notifications", "OutboundEmail").objects.values_list(
                "pk", "organisation_id", "notification_id"
            )
        ) == [
            (about_case.pk, organisation.pk, case.pk),
            (about_other.pk, other.pk, None),
            (about_nothing.pk, None, None),
        ]
    finally:
        migrate()
