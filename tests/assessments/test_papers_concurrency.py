"""Two SECAS staff publishing a meeting's papers at the same moment, on PostgreSQL."""

import threading

import pytest
from django.db import connections

from assessments import papers
from assessments.models import MeetingPapers
from assessments.services import start_review
from notifications.services import TransitionRefused, submit_notification
from tests import factories


def publish_at_once(meeting, publishers, **kwargs) -> dict[str, str]:
    start = threading.Barrier(len(publishers))
    outcomes: dict[str, str] = {}

    def publish_as(person):
        try:
            start.wait(timeout=10)
            version = papers.publish_papers(meeting=meeting, by=person, **kwargs)
            outcomes[person.full_name] = f"version {version.version}"
        except TransitionRefused as refusal:
            outcomes[person.full_name] = str(refusal)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish_as, args=(person,)) for person in publishers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def meeting_with_a_case(organisation, preparer, submitter, secas, meeting):
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    case = submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    start_review(notification=case, by=secas, rapporteur=factories.ssc_user(), meeting=meeting)
    return meeting


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_secas_publishing_at_once_make_versions_one_and_two(meeting_with_a_case):
    publishers = [factories.secas_user(full_name=f"Secas {n}") for n in range(2)]
    outcomes = publish_at_once(meeting_with_a_case, publishers, changes="Re-issued at once.")
    assert sorted(outcomes.values()) == ["version 1", "version 2"]
    versions = MeetingPapers.objects.filter(meeting=meeting_with_a_case).order_by("version")
    assert [v.version for v in versions] == [1, 2]
    assert all(v.case_papers.count() == 1 for v in versions)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_secas_publishing_from_the_same_page_publish_once_and_the_second_is_told(
    meeting_with_a_case,
):
    publishers = [factories.secas_user(full_name=f"Secas {n}") for n in range(2)]
    outcomes = publish_at_once(meeting_with_a_case, publishers, expected_version=0)
    assert sorted(outcomes.values())[-1] == "version 1"
    told = next(message for message in outcomes.values() if message != "version 1")
    assert "while you were on this page" in told
    assert MeetingPapers.objects.filter(meeting=meeting_with_a_case).count() == 1
