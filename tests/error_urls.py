"""The portal's URLs plus test-only views that fail the ways real views can."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from sscportal.urls import urlpatterns as portal_urlpatterns


def refuse(request):
    raise PermissionDenied


def bad_request(request):
    raise SuspiciousOperation("Tampered input")


def crash(request):
    raise RuntimeError("A bug")


urlpatterns = [
    path("test-only/refuse/", refuse),
    path("test-only/bad-request/", bad_request),
    path("test-only/crash/", crash),
    *portal_urlpatterns,
]
