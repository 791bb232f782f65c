"""The portal's URLs plus the benchmark's yardstick: a bare page behind the same middleware."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from sscportal.urls import urlpatterns as portal_urlpatterns


@login_required
def bare(request):
    """Sign-in, sessions and two-factor checks, and nothing else: what every page costs at least."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urlpatterns]
