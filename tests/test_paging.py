"""Every paged list answers whatever `?page=` is typed: a page, never a server error."""

import pytest
from django.urls import reverse

from sscportal.pagination import MAX_PAGE, page_number_of

PAGED_LISTS = [
    "assessments:dashboard",
    "assessments:meetings",
    "assessments:at_risk",
    "users:audit",
    "secas:awaiting",
    "secas:assessments",
    "secas:annual_reviews",
    "secas:late_notifications",
    "secas:organisations_at_risk",
    "secas:register_history",
]


@pytest.mark.parametrize("url_name", PAGED_LISTS)
@pytest.mark.parametrize("typed", [str(10**18), "-3", "0", "2.5", "x" * 50, "9" * 5000])
def test_a_typed_in_page_number_shows_a_page(client, secas, url_name, typed):
    client.force_login(secas)
    response = client.get(reverse(url_name), {"page": typed})
    assert response.status_code == 200


def test_a_page_number_is_read_as_people_mean_it():
    assert page_number_of("3") == 3
    assert page_number_of("-3") == page_number_of("abc") == page_number_of(None) == 1
    assert page_number_of(str(10**18)) == MAX_PAGE
