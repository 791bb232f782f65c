from django.urls import path

from users import views

app_name = "users"

urlpatterns = [
    path("organisations/<int:pk>/staff/", views.StaffListView.as_view(), name="staff"),
    path("organisations/<int:pk>/staff/invite/", views.InviteView.as_view(), name="invite"),
    path(
        "organisations/<int:pk>/staff/<int:membership_pk>/",
        views.MembershipUpdateView.as_view(),
        name="membership",
    ),
    path(
        "organisations/<int:pk>/staff/<int:membership_pk>/resend/",
        views.ResendInvitationView.as_view(),
        name="resend_invitation",
    ),
]
