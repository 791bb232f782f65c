"""Error pages in production (DEBUG off): the portal's layout, plain words and a way back,
with their status codes unchanged."""

import pytest
from django.template import loader
from django.test import Client, override_settings
from django.urls import reverse

from tests import factories

HOME_LINK = 'href="/">Go to your home page</a>'
PORTAL_HEADING = '<a class="navbar-brand" href="/">SSC Portal</a>'
STYLESHEET = '<link rel="stylesheet" href="/static/css/portal.css">'


@pytest.fixture(autouse=True)
def _production():
    with override_settings(DEBUG=False):
        yield


def page_of(response) -> str:
    return response.content.decode()


def assert_portal_page(page: str, heading: str):
    assert PORTAL_HEADING in page
    assert STYLESHEET in page
    assert f'<h1 class="h2">{heading}</h1>' in page
    assert HOME_LINK in page


def test_a_missing_page_is_a_404_in_the_portals_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = page_of(response)
    assert_portal_page(page, "We cannot show you this page")
    assert "you do not have access to" in page
    assert "Not Found" not in page


def test_another_organisations_notification_is_the_same_404_for_a_signed_in_user(
    client, submitted, other_submitter
):
    client.force_login(other_submitter)
    response = client.get(reverse("notifications:detail", args=[submitted.pk]))
    assert response.status_code == 404
    page = page_of(response)
    assert_portal_page(page, "We cannot show you this page")
    assert "Sign out" in page  # the person's own navigation, still signed in
    assert submitted.reference not in page


@pytest.mark.urls("tests.error_urls")
def test_a_refusal_is_a_403_in_the_portals_layout(client, preparer):
    client.force_login(preparer)
    response = client.get("/test-only/refuse/")
    assert response.status_code == 403
    page = page_of(response)
    assert_portal_page(page, "You are not allowed to do this")
    assert "Sign out" in page


@pytest.mark.urls("tests.error_urls")
def test_a_bad_request_is_a_400_in_the_portals_layout(client, db):
    response = client.get("/test-only/bad-request/")
    assert response.status_code == 400
    page = page_of(response)
    assert_portal_page(page, "The portal could not understand that request")
    assert "Bad Request" not in page


@pytest.mark.urls("tests.error_urls")
def test_a_server_error_is_a_500_in_the_portals_style(client, db):
    client.raise_request_exception = False
    response = client.get("/test-only/crash/")
    assert response.status_code == 500
    page = page_of(response)
    assert_portal_page(page, "Sorry, something went wrong on the portal")
    assert "Server Error (500)" not in page
    assert "A bug" not in page


def test_the_500_page_renders_with_no_context_and_no_database(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        page = loader.get_template("500.html").render()
    assert_portal_page(page, "Sorry, something went wrong on the portal")


def test_a_form_sent_without_its_security_token_explains_and_offers_a_way_back(db):
    person = factories.UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    response = browser.post(
        reverse("feeds:create"), HTTP_REFERER="http://testserver/calendar/", follow=False
    )
    assert response.status_code == 403
    page = page_of(response)
    assert_portal_page(page, "This page had expired, so nothing was sent")
    assert "open for a long time" in page
    assert "cookies" in page
    assert '<a class="btn btn-primary" href="http://testserver/calendar/">Go back' in page
    assert "CSRF verification failed" not in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_csrf_page_offers_no_way_back_to_another_site(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        reverse("login"),
        {"username": "someone@example.org", "password": "x"},
        HTTP_REFERER="https://evil.example.com/phish/",
    )
    assert response.status_code == 403
    page = page_of(response)
    assert "evil.example.com" not in page
    assert HOME_LINK in page
