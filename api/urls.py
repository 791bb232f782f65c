from django.urls import include, path

from api import views
from api.v1 import api

token_pages = [
    path("", views.ApiTokensView.as_view(), name="list"),
    path("<int:pk>/revoke/", views.RevokeApiTokenView.as_view(), name="revoke"),
]

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/api-tokens/", include((token_pages, "api_tokens"))),
]
