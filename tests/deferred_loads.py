"""A column left out by only() or defer() and then read row by row (issue 10).

Each read of a deferred column costs a query of its own, so one left out of a list's only()
is an N+1 the query-count tests see only when the list has several rows: the meeting page ran
67 queries for 20 decisions because only() left out the meeting's kind. Every request of a test
client is checked: no deferred column is loaded more than once in it.
"""

import threading
from collections import Counter
from contextlib import contextmanager

from django.db.models import Model

_refresh = Model.refresh_from_db
# The open recordings, each with its thread: a streamed response's may outlive a request's.
_recordings: list[tuple[int, Counter[str]]] = []
_depth = threading.local()


def _counting_refresh(self, using=None, fields=None, from_queryset=None):
    fields = list(fields) if fields is not None else None  # read twice: here and by Django
    depth = getattr(_depth, "value", 0)
    # A load's own instance may load more (an FSM model reads its state): counted once.
    if fields and depth == 0:
        deferred = self.get_deferred_fields()
        thread = threading.get_ident()
        for name in fields:
            if name in deferred:
                for owner, loads in _recordings:
                    if owner == thread:
                        loads[f"{self._meta.label}.{name}"] += 1
    _depth.value = depth + 1
    try:
        return _refresh(self, using=using, fields=fields, from_queryset=from_queryset)
    finally:
        _depth.value = depth


@contextmanager
def deferred_loads_recorded():
    """Counts, while open, each deferred column this thread loads on access."""
    recording: tuple[int, Counter[str]] = (threading.get_ident(), Counter())
    if not _recordings:
        Model.refresh_from_db = _counting_refresh  # type: ignore[method-assign]
    _recordings.append(recording)
    try:
        yield recording[1]
    finally:
        _recordings.remove(recording)
        if not _recordings:
            Model.refresh_from_db = _refresh  # type: ignore[method-assign]


def repeated(loads: Counter[str]) -> list[str]:
    return [f"{column} loaded {times} times" for column, times in loads.items() if times > 1]
