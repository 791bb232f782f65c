"""Every API list is a page: `page` and `page_size` (at most MAX_PAGE_SIZE), with the count."""

from typing import Annotated, Generic, TypeVar

from django.core.paginator import Paginator
from ninja import Field, Schema
from pydantic import BeforeValidator

from api.problems import Problem

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
Item = TypeVar("Item")


def _integral(value):
    # In JSON (and to JSON Schema's "integer") 39.0 is the whole number 39; "39" and true are not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole_number(*, ge: int | None = None, le: int | None = None):
    """A whole number in a JSON body: strict (no "39", no true), yet 39.0, which JSON Schema's
    "integer" allows. `count: whole_number(ge=0, le=10) | None = None`."""
    return Annotated[int, Field(strict=True, ge=ge, le=le), BeforeValidator(_integral)]


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=100_000, description="Which page, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items a page, at most 100."
    )


class Page(Schema, Generic[Item]):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[Item]


def page_of(queryset, query: PageQuery, serialise) -> dict:
    """One page of `queryset` (already ordered), each item passed through `serialise`."""
    paginator = Paginator(queryset, query.page_size, allow_empty_first_page=True)
    if query.page > max(paginator.num_pages, 1):
        raise Problem(404, f"There is no page {query.page}: there are {paginator.num_pages}.")
    page = paginator.page(query.page)
    return {
        "count": paginator.count,
        "page": query.page,
        "page_size": query.page_size,
        "pages": paginator.num_pages,
        "items": [serialise(item) for item in page.object_list],
    }
