import pytest

from tests.reference_data import recreate_reference_data


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """An earlier browser test's flush leaves no User Roles, which a submission needs."""
    recreate_reference_data()
