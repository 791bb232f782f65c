"""User-facing intake pages: drafting, checking, submitting and following a notification.

Every view starts from the selectors, so anything a person may not see answers 404.
"""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import TemplateView

from notifications import selectors, services
from notifications.eligibility import eligibility_of
from notifications.forms import (
    AttachmentForm,
    MessageForm,
    NotificationForm,
    ProvideInformationForm,
    SubmitForm,
    WithdrawForm,
)
from notifications.models import StoredFile
from notifications.services import TransitionRefused
from notifications.workdays import working_days_between
from users.models import Organisation
from users.policy import allows

CHECK_ACTION = "Save and check your answers"


def _member_organisation(user, organisation_pk) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=organisation_pk, is_active=True)
    if not allows(user, "notifications.prepare", organisation):
        raise Http404("No such organisation.")
    return organisation


def _own_notification(user, pk):
    """A notification of the person's own organisation: drafts are edited only there."""
    notification = selectors.get_visible_notification(user, pk)
    if not allows(user, "notifications.prepare", notification):
        raise Http404("No such draft.")
    return notification


def go_live_warnings(notification) -> list[dict]:
    """Late and short-notice warnings for a planned go-live date, in plain English."""
    go_live = notification.planned_go_live_date
    if go_live is None:
        return []
    today = timezone.localdate()
    if go_live <= today:
        return [
            {
                "level": "danger",
                "title": "Late notice",
                "text": (
                    f"Your planned go-live date ({go_live:%d/%m/%Y}) is on or before today. "
                    "The SEC requires you to notify the SSC before you begin to employ a new "
                    "User System. You can still submit, but the notification will be marked "
                    "late and SECAS will be told."
                ),
            }
        ]
    working_days = working_days_between(today, go_live)
    if working_days <= settings.SSC_DECISION_WORKING_DAYS:
        return [
            {
                "level": "warning",
                "title": "Short notice",
                "text": (
                    f"Your planned go-live is {working_days} SEC working "
                    f"day{'s' if working_days != 1 else ''} away. The SSC normally decides "
                    f"within {settings.SSC_DECISION_WORKING_DAYS} working days, so it may not "
                    "be able to decide before then."
                ),
            }
        ]
    return []


def _parse_version(value) -> datetime | None:
    """An `updated_at` sent back by a form; anything else (naive, garbled) counts as none."""
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else None


class NotificationFormMixin(LoginRequiredMixin):
    template_name = "notifications/notification_form.html"

    def render_form(self, form, **context):
        return self.response_class(
            request=self.request,
            template=[self.template_name],
            context={
                "form": form,
                "view": self,
                "eligibility": eligibility_of(context["organisation"]),
                **context,
            },
        )

    def after_save(self, notification):
        if self.request.POST.get("action") == CHECK_ACTION:
            return redirect("notifications:check", pk=notification.pk)
        messages.success(
            self.request,
            f"Draft {notification.reference} saved. Anyone in your organisation can carry on "
            "with it from your organisation's home page.",
        )
        return redirect("notifications:edit", pk=notification.pk)


class NotificationCreateView(NotificationFormMixin, TemplateView):
    def get(self, request, organisation_pk):
        organisation = _member_organisation(request.user, organisation_pk)
        form = NotificationForm(
            initial={"contact_name": request.user.full_name, "contact_email": request.user.email},
            organisation=organisation,
        )
        return self.render_form(form, organisation=organisation)

    def post(self, request, organisation_pk):
        organisation = _member_organisation(request.user, organisation_pk)
        form = NotificationForm(request.POST, organisation=organisation)
        if not form.is_valid():
            messages.error(request, "Please correct the errors below. Nothing has been saved yet.")
            return self.render_form(form, organisation=organisation)
        content = {k: v for k, v in form.cleaned_data.items() if k != "loaded_at"}
        try:
            notification = services.create_draft(
                organisation=organisation, by=request.user, **content
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_form(form, organisation=organisation)
        return self.after_save(notification)


class NotificationUpdateView(NotificationFormMixin, TemplateView):
    def get_notification(self):
        return _own_notification(self.request.user, self.kwargs["pk"])

    def get(self, request, pk):
        notification = self.get_notification()
        if not notification.is_editable:
            messages.info(
                request,
                f"{notification.reference} has been submitted, so it can no longer be edited.",
            )
            return redirect("notifications:detail", pk=pk)
        return self.render_form(
            NotificationForm(instance=notification),
            notification=notification,
            organisation=notification.organisation,
            attachment_form=AttachmentForm(),
        )

    def post(self, request, pk):
        notification = self.get_notification()
        form = NotificationForm(request.POST, instance=notification)
        context = {
            "notification": notification,
            "organisation": notification.organisation,
            "attachment_form": AttachmentForm(),
        }
        if not form.is_valid():
            messages.error(request, "Please correct the errors below. Your changes are not saved.")
            return self.render_form(form, **context)
        content = {k: v for k, v in form.cleaned_data.items() if k != "loaded_at"}
        loaded_at = _parse_version(form.cleaned_data["loaded_at"])
        try:
            notification = services.update_draft(
                notification=notification, by=request.user, content=content, loaded_at=loaded_at
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_form(form, **context)
        return self.after_save(notification)


class NotificationCheckView(LoginRequiredMixin, TemplateView):
    """Check your answers, then declare and submit."""

    template_name = "notifications/notification_check.html"

    def get(self, request, pk):
        notification = _own_notification(request.user, pk)
        if not notification.is_editable:
            return redirect("notifications:detail", pk=pk)
        return self.render_to_response(
            self.get_context_data(notification=notification, submit_form=SubmitForm())
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notification = context["notification"]
        context.update(
            missing_fields=notification.missing_fields(),
            roles_refusal=(
                services.roles_not_held_message(notification.organisation, not_held)
                if (not_held := notification.roles_not_held())
                else ""
            ),
            eligibility=eligibility_of(notification.organisation),
            warnings=go_live_warnings(notification),
            can_submit=allows(self.request.user, "notifications.submit", notification),
            submitters=[
                m.user for m in selectors.submitting_memberships(notification.organisation)
            ],
        )
        return context


class NotificationSubmitView(LoginRequiredMixin, View):
    def post(self, request, pk):
        notification = _own_notification(request.user, pk)
        form = SubmitForm(request.POST)
        if not form.is_valid():
            check = NotificationCheckView(request=request, kwargs={"pk": pk})
            context = check.get_context_data(notification=notification, submit_form=form)
            if notification.is_editable and context["can_submit"] and not context["missing_fields"]:
                # Shown again with the error beside the declaration, not only at the top.
                return check.render_to_response(context)
            return redirect("notifications:check", pk=pk)
        checked_version = _parse_version(request.POST.get("checked_version"))
        if checked_version is None and notification.is_editable:
            messages.error(request, "Please check your answers before you declare and submit.")
            return redirect("notifications:check", pk=pk)
        try:
            notification = services.submit_notification(
                notification=notification,
                by=request.user,
                declaration_accepted=True,
                checked_version=checked_version,
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            if notification.is_draft:
                return redirect("notifications:check", pk=pk)
            return redirect("notifications:detail", pk=pk)
        messages.success(
            request,
            f"Notification {notification.reference} submitted to the SSC. We have emailed a "
            "receipt to you and your organisation's contacts.",
        )
        return redirect("notifications:detail", pk=pk)


class NotificationDetailView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/notification_detail.html"

    def get(self, request, pk):
        notification = selectors.get_visible_notification(request.user, pk)
        return self.render_to_response(self.get_context_data(notification=notification))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notification = context["notification"]
        user = self.request.user
        available = {t.name for t in notification.get_available_user_state_transitions(user)}
        # One query each for the questions, their answerers and files, whatever their number.
        information_requests = list(
            notification.information_requests.select_related("responded_by").prefetch_related(
                "attachments"
            )
        )
        context.update(
            timeline=selectors.timeline_for(notification, viewer=user),
            open_request=next((r for r in information_requests if r.is_open), None),
            information_requests=information_requests,
            can_answer="provide_information" in available,
            can_withdraw="withdraw" in available,
            can_message=not notification.is_draft,
            is_member=allows(user, "notifications.prepare", notification),
            response_form=kwargs.get("response_form") or ProvideInformationForm(),
            response_attachment_form=kwargs.get("response_attachment_form")
            or AttachmentForm(prefix="file"),
            message_form=kwargs.get("message_form") or MessageForm(),
            withdraw_form=kwargs.get("withdraw_form") or WithdrawForm(),
        )
        return context


class NotificationActionView(LoginRequiredMixin, View):
    """Base for POST-only actions on a notification page: refusals come back as messages."""

    def post(self, request, pk):
        self.notification = selectors.get_visible_notification(request.user, pk)
        try:
            response = self.act(request)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("notifications:detail", pk=pk)
        return response or redirect("notifications:detail", pk=pk)

    def render_detail(self, **forms):
        view = NotificationDetailView(request=self.request, kwargs={"pk": self.notification.pk})
        return view.render_to_response(
            view.get_context_data(notification=self.notification, **forms)
        )


class RespondView(NotificationActionView):
    def act(self, request):
        form = ProvideInformationForm(request.POST)
        file_form = AttachmentForm(request.POST, request.FILES, prefix="file")
        wants_file = bool(request.FILES.get("file-file"))
        if not form.is_valid() or (wants_file and not file_form.is_valid()):
            messages.error(request, "Your answer has not been sent: please correct the errors.")
            return self.render_detail(
                response_form=form,
                response_attachment_form=file_form if wants_file else None,
            )
        files = []
        if wants_file:
            upload = file_form.cleaned_data["file"]
            files.append(
                {
                    "upload": upload,
                    "kind": upload.kind,
                    "tlp": file_form.cleaned_data["tlp"],
                    "description": file_form.cleaned_data["description"],
                }
            )
        services.provide_information(
            notification=self.notification,
            by=request.user,
            response=form.cleaned_data["response"],
            files=files,
        )
        messages.success(request, "Your answer has been sent to the SSC. The review carries on.")


class WithdrawView(NotificationActionView):
    def act(self, request):
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The notification has not been withdrawn: give a reason.")
            return self.render_detail(withdraw_form=form)
        services.withdraw_notification(
            notification=self.notification, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"{self.notification.reference} has been withdrawn.")


class MessageView(NotificationActionView):
    def act(self, request):
        form = MessageForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Your message has not been sent: please write something.")
            return self.render_detail(message_form=form)
        services.post_message(
            notification=self.notification, by=request.user, body=form.cleaned_data["body"]
        )
        messages.success(request, "Message sent.")


class AttachmentUploadView(NotificationActionView):
    def act(self, request):
        if not allows(request.user, "notifications.prepare", self.notification):
            raise Http404("No such draft.")
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"The file was not added. {error}")
            return redirect("notifications:edit", pk=self.notification.pk)
        upload = form.cleaned_data["file"]
        attachment = services.add_attachment(
            notification=self.notification,
            by=request.user,
            upload=upload,
            kind=upload.kind,
            tlp=form.cleaned_data["tlp"],
            description=form.cleaned_data["description"],
        )
        messages.success(
            request, f"Added {attachment.original_name} ({attachment.get_tlp_display()})."
        )
        return redirect("notifications:edit", pk=self.notification.pk)


def stored_file_download(stored: StoredFile, *, record_download: Callable[[], object]):
    """A stored file as a download, never rendered inline; `record_download` logs it once the
    file is found (a file missing from storage is a 404, and no download)."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is missing from storage.") from missing
    record_download()
    response = FileResponse(handle, content_type=stored.content_type)
    # Always a download, never rendered inline, whatever the browser guesses.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=stored.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class AttachmentDownloadView(LoginRequiredMixin, View):
    http_method_names = ["get"]

    def get(self, request, pk):
        attachment = selectors.get_visible_attachment(request.user, pk)
        return stored_file_download(
            attachment,
            record_download=lambda: services.record_download(
                attachment=attachment, by=request.user, request=request
            ),
        )
