from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from users import views as user_views

admin.site.site_header = "SSC Portal administration"
admin.site.site_title = "SSC Portal admin"
admin.site.index_title = "Registers and casework"

urlpatterns = [
    path("", user_views.HomeView.as_view(), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
