"""The portal's URLs plus the benchmark's yardsticks: a bare page behind the same middleware,
and an empty page in the portal's layout."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from sscportal.urls import urlpatterns as portal_urlpatterns

EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Empty{% endblock %}'
    "{% block content %}<h1>Empty</h1>{% endblock %}"
)


@login_required
def bare(request):
    """Sign-in, sessions and two-factor checks, and nothing else: what every page costs at least."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@login_required
def layout(request):
    """The bare page plus the portal's layout (navigation, messages, assets): the least any
    page in the layout costs, before its own content."""
    return HttpResponse(EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/layout/", layout, name="bench_layout"),
    *portal_urlpatterns,
]
