import threading

import pytest
from django.db import connections

from tests import factories
from users import services
from users.models import Membership, User


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(organisation):
    first, second = (
        factories.MembershipFactory(organisation=organisation, role="admin") for _ in range(2)
    )
    start = threading.Barrier(2)
    outcomes = []

    def demote(target, actor_id):
        try:
            start.wait(timeout=10)
            services.change_membership(
                membership=target,
                by=User.objects.get(pk=actor_id),
                role="submitter",
                is_active=True,
            )
            outcomes.append("done")
        except services.StaffChangeRefused as refusal:
            outcomes.append(str(refusal))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=demote, args=(first, second.user_id)),
        threading.Thread(target=demote, args=(second, first.user_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("done") == 1
    assert Membership.objects.filter(organisation=organisation, role="admin").count() == 1
