"""Reader pages. Every one starts from Explainer.objects.published()."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import DetailView, ListView

from .models import DetailSection, Explainer, ExplainerSource, KeyPoint, SourceArticle, Topic


class StaffPreviewMixin:
    """Readers see published explainers only; staff may preview any, never cached.

    The preview is one explicit branch here, not a missing filter anywhere else.
    """

    def is_preview_allowed(self) -> bool:
        user = self.request.user
        return user.is_authenticated and user.is_staff

    def get_queryset(self):
        qs = super().get_queryset()
        if self.is_preview_allowed():
            return qs
        return qs.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_preview"] = not self.object.is_published
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context.get("is_preview"):
            add_never_cache_headers(response)
        return response


class ExplainerListView(ListView):
    template_name = "explainers/explainer_list.html"
    paginate_by = 10
    context_object_name = "explainers"

    def get_queryset(self):
        return Explainer.objects.published().prefetch_related("topics")


class ExplainerDetailView(StaffPreviewMixin, DetailView):
    model = Explainer
    context_object_name = "explainer"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("byline")
            .prefetch_related(
                "topics",
                Prefetch("key_points", queryset=KeyPoint.objects.order_by("position")),
                Prefetch("sections", queryset=DetailSection.objects.order_by("position")),
                Prefetch(
                    "source_links",
                    queryset=ExplainerSource.objects.select_related("source").order_by("position"),
                ),
                "corrections",
            )
        )


class TopicDetailView(ListView):
    template_name = "explainers/topic_detail.html"
    paginate_by = 10
    context_object_name = "explainers"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return Explainer.objects.published().filter(topics=self.topic).prefetch_related("topics")

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class SourceDetailView(DetailView):
    model = SourceArticle
    context_object_name = "source"

    def get_context_data(self, **kwargs):
        explainers = (
            Explainer.objects.published().filter(source_links__source=self.object).distinct()
        )
        return super().get_context_data(explainers=explainers, **kwargs)


class SearchView(ListView):
    template_name = "explainers/search.html"
    paginate_by = 10
    context_object_name = "explainers"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        if not self.query:
            return Explainer.objects.none()
        return Explainer.objects.published().search(self.query).prefetch_related("topics")

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


def set_language(request, code):
    """Switch the UI language with a plain link (no form, so no CSRF cookie on cached pages).

    Only changes the reader's language preference cookie, then goes back where they were.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
