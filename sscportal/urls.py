from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from assessments.views import HomeView, OrganisationHomeView
from users.forms import AdminSignInForm, SignInForm
from users.policy import allows
from users.views import AuditedPasswordResetConfirmView

admin.site.site_header = "SSC Portal administration"
admin.site.site_title = "SSC Portal admin"
admin.site.index_title = "Registers and casework"
admin.site.login_form = AdminSignInForm


def _may_use_admin_site(request) -> bool:
    return allows(request.user, "users.use_admin_site")


# The policy decides who reaches the admin site at all (Django's default reads is_staff).
admin.site.has_permission = _may_use_admin_site

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path(
        "organisations/<int:pk>/",
        OrganisationHomeView.as_view(),
        name="organisation_home",
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(success_url="/accounts/password-reset/sent/"),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        AuditedPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("api.urls")),
    path("", include("users.urls")),
    path("", include("notifications.urls")),
    path("", include("assessments.urls")),
    path("", include("assessments.feed_urls")),
    path("", include("assessments.secas_urls")),
    path("admin/", admin.site.urls),
]
