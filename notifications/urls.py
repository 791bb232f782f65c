from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path(
        "organisations/<int:organisation_pk>/notifications/new/",
        views.NotificationCreateView.as_view(),
        name="create",
    ),
    path("notifications/<int:pk>/", views.NotificationDetailView.as_view(), name="detail"),
    path("notifications/<int:pk>/edit/", views.NotificationUpdateView.as_view(), name="edit"),
    path("notifications/<int:pk>/check/", views.NotificationCheckView.as_view(), name="check"),
    path("notifications/<int:pk>/submit/", views.NotificationSubmitView.as_view(), name="submit"),
    path("notifications/<int:pk>/respond/", views.RespondView.as_view(), name="respond"),
    path("notifications/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("notifications/<int:pk>/messages/", views.MessageView.as_view(), name="message"),
    path(
        "notifications/<int:pk>/attachments/",
        views.AttachmentUploadView.as_view(),
        name="attachment_upload",
    ),
    path(
        "attachments/<int:pk>/download/",
        views.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
]
