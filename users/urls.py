from django.urls import path

from users import views

app_name = "users"

urlpatterns = [
    path("accounts/two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("accounts/two-factor/setup/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path(
        "accounts/two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="recovery_codes",
    ),
    path(
        "accounts/two-factor/disable/",
        views.DisableTwoFactorView.as_view(),
        name="two_factor_disable",
    ),
    path("accounts/invitations/", views.InvitationsView.as_view(), name="invitations"),
    path(
        "accounts/invitations/<int:pk>/accept/",
        views.AnswerInvitationView.as_view(accept=True),
        name="invitation_accept",
    ),
    path(
        "accounts/invitations/<int:pk>/decline/",
        views.AnswerInvitationView.as_view(accept=False),
        name="invitation_decline",
    ),
    path("secas/audit/", views.AuditTrailView.as_view(), name="audit"),
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
    path(
        "organisations/<int:pk>/staff/<int:membership_pk>/withdraw/",
        views.WithdrawInvitationView.as_view(),
        name="withdraw_invitation",
    ),
]
