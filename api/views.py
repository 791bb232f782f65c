"""The API tokens page: a person's own tokens, created (shown once) and revoked."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from api import tokens
from api.forms import ApiTokenForm
from api.models import ApiToken

TOKENS_PER_PAGE = 20


# The answer to a creation carries the token itself: no browser or proxy may keep a copy.
@method_decorator(never_cache, name="dispatch")
class ApiTokensView(LoginRequiredMixin, View):
    """The signed-in person's tokens, and the form that creates one."""

    def get(self, request, form=None):
        return self.render(request, form or ApiTokenForm())

    def post(self, request):
        refusal = tokens.may_create_tokens(request)
        form = ApiTokenForm(request.POST)
        if refusal:
            messages.error(request, "No token was created.")
            return self.render(request, form)
        if not form.is_valid():
            messages.error(request, "No token was created: please correct the form.")
            return self.render(request, form)
        try:
            token, raw = tokens.create_token(request, **form.cleaned_data)
        except tokens.TokenRefused as refused:
            messages.error(request, f"No token was created. {refused}")
            return self.render(request, form)
        messages.success(request, f"Your API token “{token.name}” is ready.")
        # Shown in this answer only: never kept in the session, a message or an address.
        return TemplateResponse(request, "api/apitoken_created.html", {"token": token, "raw": raw})

    def render(self, request, form):
        number = request.GET.get("page")
        owned = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")
        return TemplateResponse(
            request,
            "api/apitoken_list.html",
            {
                "form": form,
                "refusal": tokens.may_create_tokens(request),
                "page": Paginator(owned, TOKENS_PER_PAGE).get_page(number),
            },
        )


class RevokeApiTokenView(LoginRequiredMixin, View):
    """POST only: one of the person's own tokens stops working at once."""

    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        if tokens.revoke_token(request, token):
            messages.success(
                request,
                f"Your API token “{token.name}” has been revoked: anything using it can no "
                "longer reach the portal.",
            )
        else:
            messages.info(request, f"Your API token “{token.name}” was already revoked.")
        return redirect("api_tokens:list")
