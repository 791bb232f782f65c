"""Assessments over the API (filled in by its own change)."""

from ninja import Router

router = Router(tags=["Assessments"])
