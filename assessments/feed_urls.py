from django.urls import path

from assessments import feeds

app_name = "feeds"

urlpatterns = [
    path("calendar/", feeds.CalendarFeedView.as_view(), name="manage"),
    path("calendar/create/", feeds.CreateFeedView.as_view(), name="create"),
    path("calendar/rotate/", feeds.RotateFeedView.as_view(), name="rotate"),
    path("calendar/revoke/", feeds.RevokeFeedView.as_view(), name="revoke"),
    # Tokens come from secrets.token_urlsafe, whose alphabet is exactly the slug converter's.
    path("calendar/<slug:token>.ics", feeds.CalendarIcsView.as_view(), name="ics"),
]
