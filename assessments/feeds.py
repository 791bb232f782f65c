"""Calendar feed pages: manage one's secret address, and the ICS file calendar apps read."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from assessments import calendar
from users.policy import allows


# The page shows a secret address, so browsers must not keep a copy of it.
@method_decorator(never_cache, name="dispatch")
class CalendarFeedView(LoginRequiredMixin, TemplateView):
    template_name = "assessments/calendar_feed.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feed = calendar.active_feed_for(self.request.user)
        context.update(
            feed=feed,
            feed_url=calendar.feed_url(feed) if feed else "",
            webcal_url=calendar.webcal_url(feed) if feed else "",
            is_committee_side=allows(self.request.user, "assessments.view_committee_pages"),
        )
        return context


class FeedActionView(LoginRequiredMixin, View):
    """POST-only steps on the person's own feed; each ends back on the calendar page."""

    def post(self, request):
        self.act(request)
        return redirect("feeds:manage")

    def act(self, request):
        raise NotImplementedError


class CreateFeedView(FeedActionView):
    def act(self, request):
        _feed, created = calendar.create_feed(user=request.user)
        if created:
            messages.success(
                request,
                "Your calendar address is ready. Copy it into your calendar app as a subscription.",
            )
        else:
            messages.info(request, "You already have a calendar address: it is shown below.")


class RotateFeedView(FeedActionView):
    def act(self, request):
        calendar.rotate_feed(user=request.user)
        messages.success(
            request,
            "You have a new calendar address. The old one no longer works, so update your "
            "calendar app with the new one.",
        )


class RevokeFeedView(FeedActionView):
    def act(self, request):
        if calendar.revoke_feed(user=request.user):
            messages.success(
                request,
                "Your calendar address has been switched off. Calendar apps using it will stop "
                "receiving dates.",
            )
        else:
            messages.info(request, "You had no calendar address to switch off.")


class CalendarIcsView(View):
    """The feed itself: no sign-in (calendar apps cannot), so the secret token is the key."""

    def get(self, request, token):
        feed = calendar.use_feed(token)
        if feed is None:
            raise Http404("No such calendar.")
        response = HttpResponse(
            calendar.build_calendar(feed.user), content_type="text/calendar; charset=utf-8"
        )
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = 'inline; filename="ssc-portal.ics"'
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
