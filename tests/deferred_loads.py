"""A column left out by only() or defer() and then read row by row (issue 10).

Each read of a deferred column costs a query of its own, so one left out of a list's only()
is an N+1 the query-count tests see only when the list has several rows: the meeting page ran
67 queries for 20 decisions because only() left out the meeting's kind. Every page a test
client fetches is checked: no deferred column is loaded more than once in a request.
"""

from collections import Counter
from contextlib import contextmanager

from django.db.models import Model


@contextmanager
def deferred_loads_recorded():
    """Counts, while open, each deferred column loaded on access, by model and column."""
    loads: Counter[str] = Counter()
    refresh = Model.refresh_from_db
    depth = 0

    def counting_refresh(self, using=None, fields=None, from_queryset=None):
        nonlocal depth
        # A load's own instance may load more (an FSM model reads its state): counted once.
        if fields and depth == 0:
            deferred = self.get_deferred_fields()
            for name in fields:
                if name in deferred:
                    loads[f"{self._meta.label}.{name}"] += 1
        depth += 1
        try:
            return refresh(self, using=using, fields=fields, from_queryset=from_queryset)
        finally:
            depth -= 1

    Model.refresh_from_db = counting_refresh  # type: ignore[method-assign]
    try:
        yield loads
    finally:
        Model.refresh_from_db = refresh  # type: ignore[method-assign]


def repeated(loads: Counter[str]) -> list[str]:
    return [f"{column} loaded {times} times" for column, times in loads.items() if times > 1]
