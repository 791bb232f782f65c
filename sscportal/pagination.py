"""Pages of lists that only grow (cases, the audit trail) without counting the whole history."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Deeper than this a list is searched or filtered, not paged; the cap keeps a typed-in page
# number from asking the database for more rows than it can count (a 500 on PostgreSQL).
MAX_PAGE = 1000


def page_number_of(value) -> int:
    """The page a `?page=` asks for: 1 when it is not a number, at most MAX_PAGE."""
    try:
        return min(max(int(value), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


class CappedPaginator(Paginator):
    """Counts at most a few pages beyond the one asked for.

    A page only needs to know whether there is more after it; counting every row of a list
    that grows with the history would cost as much as the history. Going deeper costs what the
    page's own OFFSET costs anyway.
    """

    def __init__(self, object_list, per_page, *, page_number, pages_ahead: int = 4, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.requested = page_number_of(page_number)
        self.cap = (self.requested + pages_ahead) * per_page + 1

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap].count()

    @property
    def has_more_than_counted(self) -> bool:
        """True when the list goes on past the last page counted."""
        return self.count >= self.cap
