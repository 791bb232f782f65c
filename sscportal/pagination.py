"""Pages of lists that only grow (cases, the audit trail) without counting the whole history."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most a few pages beyond the one asked for.

    A page only needs to know whether there is more after it; counting every row of a list
    that grows with the history would cost as much as the history. Going deeper costs what the
    page's own OFFSET costs anyway.
    """

    def __init__(self, object_list, per_page, *, page_number, pages_ahead: int = 4, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        try:
            number = max(int(page_number), 1)
        except (TypeError, ValueError):
            number = 1
        self.cap = (number + pages_ahead) * per_page + 1

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap].count()

    @property
    def has_more_than_counted(self) -> bool:
        """True when the list goes on past the last page counted."""
        return self.count >= self.cap
