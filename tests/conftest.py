import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from notifications import services
from notifications.models import NotificationState
from tests import factories
from tests.deferred_loads import deferred_loads_recorded, repeated
from tests.html_check import html_problems
from tests.join_width import describe, wide_joins_recorded
from users.models import Membership
from users.security import requires_two_factor


def pytest_collection_modifyitems(config, items):
    # Decided at collection, so a skipped transactional test never flushes the database.
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    on_redis = settings.CELERY_BROKER_URL.startswith("redis://")
    needs_postgres = pytest.mark.skip(reason="needs PostgreSQL; .ci/run runs it there")
    needs_redis = pytest.mark.skip(reason="needs the Redis broker; .ci/run runs it there")
    for item in items:
        database = item.get_closest_marker("django_db")
        transactional = database and database.kwargs.get("transaction")
        # A transactional test's flush leaves what the next serialised one then duplicates.
        if transactional and not database.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: a transactional test needs serialized_rollback=True too."
            )
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(needs_postgres)
        if item.get_closest_marker("redis") and not on_redis:
            item.add_marker(needs_redis)


class TwoFactorClient(Client):
    """The test client, signing staff in with their second factor already verified.

    Two-factor is compulsory for SSC members and SECAS staff; tests of other behaviour should
    not each have to type a code. tests/users/test_two_factor.py uses a plain Client.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if requires_two_factor(user):
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="Test authenticator", defaults={"confirmed": True}
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


# Django 5.2's admin describes its read-only password by a help-text id it never renders.
DJANGO_ADMIN_DEFECTS = ['aria-describedby points at id "id_password_helptext"']


def refuse_wide_or_row_by_row(where: str, wide: list[str], loads) -> None:
    if wide:
        raise AssertionError(describe(where, wide))
    if repeated(loads):
        raise AssertionError(
            "\n  ".join([f"{where} reads a deferred column row by row:", *repeated(loads)])
        )


def checked_stream(where: str, chunks):
    with wide_joins_recorded() as wide, deferred_loads_recorded() as loads:
        yield from chunks
    refuse_wide_or_row_by_row(f"{where} (streamed)", wide, loads)


@pytest.fixture(autouse=True)
def _every_html_page_is_checked(monkeypatch):
    """Every HTML page any test client receives is free of duplicate ids and other HTML errors;
    no request joins too many tables in one query or reads a deferred column row by row."""
    request = Client.request

    def checked_request(self, **kwargs):
        with wide_joins_recorded() as wide, deferred_loads_recorded() as loads:
            response = request(self, **kwargs)
        wsgi = getattr(response, "wsgi_request", None)
        where = f"{wsgi.method} {wsgi.get_full_path()}" if wsgi else "A request"
        refuse_wide_or_row_by_row(where, wide, loads)
        if response.streaming and not response.is_async:
            # A streamed body runs its queries as it is read: checked the same way.
            response.streaming_content = checked_stream(where, response.streaming_content)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and not response.streaming:
            found = html_problems(response.content.decode(response.charset or "utf-8"))
            if wsgi and wsgi.path.startswith("/admin/"):
                found = [p for p in found if not any(d in p for d in DJANGO_ADMIN_DEFECTS)]
            if found:
                raise AssertionError(
                    "\n  ".join([f"HTML errors in {where} ({response.status_code}):", *found])
                )
        return response

    monkeypatch.setattr(Client, "request", checked_request)


@pytest.fixture
def client(db):
    # Asks for the database itself, so tests that fetch people by name still run with it.
    return TwoFactorClient()


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    # Spooled uploads stay inside the private store, as in settings (issue 9, item 19).
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads" / "upload-tmp")


@pytest.fixture
def organisation(db):
    return factories.OrganisationFactory(name="Northwind Energy Ltd")


@pytest.fixture
def other_organisation(db):
    return factories.OrganisationFactory(name="Southdown Power Ltd")


def _member(organisation, role):
    return factories.MembershipFactory(organisation=organisation, role=role).user


@pytest.fixture
def preparer(organisation):
    return _member(organisation, Membership.Role.PREPARER)


@pytest.fixture
def submitter(organisation):
    return _member(organisation, Membership.Role.SUBMITTER)


@pytest.fixture
def org_admin(organisation):
    return _member(organisation, Membership.Role.ADMIN)


@pytest.fixture
def other_submitter(other_organisation):
    return _member(other_organisation, Membership.Role.SUBMITTER)


@pytest.fixture
def secas(db):
    return factories.secas_user(full_name="Sam Secas")


@pytest.fixture
def ssc_member(db):
    return factories.ssc_user(full_name="Chris Member")


@pytest.fixture
def conflicted_member(organisation):
    member = factories.ssc_user(full_name="Pat Conflicted")
    member.conflicts_of_interest.create(organisation=organisation, reason="Employed by them")
    return member


@pytest.fixture
def meeting(db):
    return factories.SSCMeetingFactory()


@pytest.fixture
def draft(organisation, preparer):
    return factories.NotificationFactory(organisation=organisation, created_by=preparer)


@pytest.fixture
def submitted(draft, submitter):
    return services.submit_notification(notification=draft, by=submitter, declaration_accepted=True)


@pytest.fixture
def under_review(submitted, secas, ssc_member, meeting):
    from assessments.services import start_review

    notification = start_review(
        notification=submitted, by=secas, rapporteur=ssc_member, meeting=meeting
    )
    assert notification.state == NotificationState.UNDER_REVIEW
    return notification
