"""The rapporteur's recommendation on the case page, and a meeting's papers: SECAS's draft,
publication and downloads list; each member's own (conflict-filtered) copy, logged."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from assessments import forms, papers
from assessments.models import SSCMeeting
from assessments.views.committee import CaseActionView, CommitteeMixin, MeetingView
from notifications.services import TransitionRefused
from users.models import SecurityEvent
from users.policy import allows
from users.security import record_event

DOWNLOADS_PER_PAGE = 25


class RecordRecommendationView(CaseActionView):
    def act(self, request):
        form = forms.RecommendationForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Your recommendation has not been recorded: see below.")
            return self.render_case(recommendation_form=form)
        revising = self.case.recommendations.exists()
        recommendation = papers.record_recommendation(
            case=self.case, by=request.user, **form.cleaned_data
        )
        messages.success(
            request,
            f"{'Revised' if revising else 'Recorded'}: you recommend "
            f"“{recommendation.get_outcome_display()}”. The committee sees it on this page and "
            "in the meeting's papers"
            + ("; the earlier version is kept." if revising else ".")
            + " The User does not.",
        )
        return None


class PapersMixin(CommitteeMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            papers.require_papers_reader(request.user)
        return super().dispatch(request, *args, **kwargs)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class PublishPapersView(PapersMixin, View):
    def post(self, request, pk):
        meeting = get_object_or_404(SSCMeeting, pk=pk)
        if not allows(request.user, "assessments.publish_papers"):
            messages.error(request, "Only SECAS staff who run meetings can publish the papers.")
            return redirect("assessments:meeting", pk=pk)
        form = forms.PublishPapersForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The papers have not been published: reload the page.")
            return self.render_meeting(meeting, form)
        try:
            version = papers.publish_papers(meeting=meeting, by=request.user, **form.cleaned_data)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return self.render_meeting(meeting, form)
        cases = version.case_papers.count()
        messages.success(
            request,
            f"Version {version.version} of the papers published ({cases} case "
            f"paper{'s' if cases != 1 else ''}). SSC members have been emailed a link; each "
            "member's copy leaves out the cases they are conflicted on. It will not change: to "
            "correct it, re-issue.",
        )
        return redirect("assessments:meeting", pk=pk)

    def render_meeting(self, meeting, form):
        view = MeetingView(request=self.request, kwargs={"pk": meeting.pk})
        return view.render_to_response(view.get_context_data(pk=meeting.pk, publish_form=form))


class DraftPapersView(PapersMixin, View):
    """SECAS reads the papers as they would be published now (nothing is stored)."""

    def get(self, request, pk):
        meeting = get_object_or_404(SSCMeeting, pk=pk)
        if not allows(request.user, "assessments.publish_papers"):
            messages.error(request, "Only SECAS staff who run meetings can generate draft papers.")
            return redirect("assessments:meeting", pk=pk)
        record_event(
            SecurityEvent.Kind.EXPORT,
            actor=request.user,
            request=request,
            summary=f"{request.user} generated draft papers for {meeting}",
        )
        content = papers.papers_pdf(meeting, papers.draft_papers(meeting), version=None)
        return pdf_response(content, f"ssc-papers-{meeting.date:%Y-%m-%d}-draft.pdf")


class PapersDownloadView(PapersMixin, View):
    """A published version, as this person may read it: SECAS all, a member without the cases
    they are conflicted on."""

    def get(self, request, pk, version):
        published = papers.get_version(request.user, pk, version)
        case_papers = list(papers.papers_for(published, request.user))
        papers.record_download(papers=published, user=request.user, request=request)
        content = papers.papers_pdf(published.meeting, case_papers, version=published)
        meeting = published.meeting
        return pdf_response(content, f"ssc-papers-{meeting.date:%Y-%m-%d}-v{version}.pdf")


class PaperDownloadView(PapersMixin, View):
    """One case's paper of a published version (404 for a case the person may not see)."""

    def get(self, request, pk, version, number):
        published = papers.get_version(request.user, pk, version)
        paper = papers.get_paper(published, request.user, number)
        papers.record_download(papers=published, paper=paper, user=request.user, request=request)
        content = papers.papers_pdf(
            published.meeting, [paper], version=published, with_agenda=False
        )
        meeting = published.meeting
        return pdf_response(
            content, f"ssc-papers-{meeting.date:%Y-%m-%d}-v{version}-paper-{number}.pdf"
        )


class PapersDownloadsView(PapersMixin, TemplateView):
    """Every download of a meeting's papers (SECAS): who, when, which version and paper."""

    template_name = "assessments/papers_downloads.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = get_object_or_404(SSCMeeting, pk=self.kwargs["pk"])
        if not allows(self.request.user, "assessments.view_papers_downloads"):
            raise Http404
        context.update(
            meeting=meeting,
            page=Paginator(papers.downloads_of(meeting), DOWNLOADS_PER_PAGE).get_page(
                self.request.GET.get("page")
            ),
        )
        return context
