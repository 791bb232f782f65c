"""How many joins one query of a page makes (issue 10).

PostgreSQL plans a query afresh on every request, and planning grows quickly with the joins:
on the 10,000-notification benchmark the case page's eight-way select_related took 4-6 ms to
plan and 0.5 ms to run. Related rows a page shows once are cheaper as a prefetch (a keyed
query of its own) than as another join. Every page a test client fetches is checked.
"""

import re
from contextlib import contextmanager

from django.db import connection

MAX_JOINS = 5
JOIN = re.compile(r"\bJOIN\b", re.I)
QUOTED = re.compile(r"'(?:[^']|'')*'")


def joins_in(sql: str) -> int:
    """The joins of a statement, leaving out any the word JOIN inside a quoted value makes."""
    return len(JOIN.findall(QUOTED.sub("''", sql)))


@contextmanager
def wide_joins_recorded():
    """Collects, while open, each statement on the default database joining too many tables."""
    found: list[str] = []

    def record(execute, sql, params, many, context):
        if joins_in(sql) > MAX_JOINS:
            found.append(sql)
        return execute(sql, params, many, context)

    # Removed by identity, not popped: a streamed response's recording may close out of order.
    wrappers = connection.execute_wrappers
    wrappers.append(record)
    try:
        yield found
    finally:
        if record in wrappers:
            wrappers.remove(record)


def describe(where: str, found: list[str]) -> str:
    lines = [f"{where} has a query of more than {MAX_JOINS} joins (prefetch instead):"]
    lines += [f"{joins_in(sql)} joins: {sql[:400]}" for sql in found]
    return "\n  ".join(lines)
