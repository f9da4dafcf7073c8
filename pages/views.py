"""Reader pages. Every one starts from Explainer.objects.published().

Each view fetches everything its page shows, comments included, so a page's queries are all
in one place: templates lay out what they are given and run no queries of their own.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import translate_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from comments.submission import closed_reason, comments_close_at
from comments.suspensions import suspension_in_force, suspension_notice
from comments.threads import featured_page, thread_page
from core import page_cache
from core.images import Picture
from core.search_tokens import highlight, parse_query, snippet
from core.text import clean_text
from desk.queries import attach_prompts
from explainers import cache as reader_pages
from explainers.drafts import CONTENT_FIELDS
from explainers.models import Explainer, Language, SourceArticle, Topic
from pages.queries import load_parts, published_count, related_explainers
from readers.models import AuthorProfile

PAGE_SIZE = 10
RELATED_LIMIT = 5
# Longer than any real search; refusing it keeps a pasted essay from becoming hundreds of LIKEs.
SEARCH_MAX_LENGTH = 200
# Deep pages of a ranked search are never read; an offset this far is a crawler, not a reader.
SEARCH_MAX_PAGE = 100


def listed(explainers):
    """What a list of explainers shows: comment counts and topics, whatever the list length.

    Comment counts are the explainers' own counters (`Explainer.comment_count`, kept on write
    by `comments.counters`), so no list counts comments; topics are prefetched, so a page
    costs the same queries for 5 explainers or 50.
    """
    return explainers.prefetch_related("topics")


def is_staff(user) -> bool:
    return user.is_authenticated and user.is_staff


def remembered_count(name: str, tags: list[str], count):
    """`count()` (a count of published explainers, which grows with the archive), kept in the
    shared cache until a tag changes or the next scheduled explainer goes live
    (core.page_cache.remember); the tags' versions are read before counting."""
    value = page_cache.recall(name)
    if value is None:
        versions = page_cache.current_versions(tags)
        value = page_cache.remember(
            name, versions, count(), until=reader_pages.next_scheduled_publication()
        )
    return value


class SharedPageMixin:
    """A page from the shared page cache (core/page_cache.py, explainers/cache.py): the tags
    it depends on are read before its data, and a page listing explainers expires when the
    next scheduled one goes live."""

    def page_tags(self) -> list[str]:
        return []

    def get(self, request, *args, **kwargs):
        page_cache.depend(request, *self.page_tags())
        reader_pages.expires_with_schedule(request)
        return super().get(request, *args, **kwargs)


class StaffPreviewMixin:
    """Readers see published explainers only; staff may preview any, never cached.

    The preview is one explicit branch here, not a missing filter anywhere else.
    """

    def is_preview_allowed(self) -> bool:
        return is_staff(self.request.user)

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


class ExplainerListView(SharedPageMixin, ListView):
    """Home: the latest published explainers."""

    def page_tags(self):
        return [reader_pages.HOME]

    template_name = "explainers/explainer_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "explainers"

    def get_queryset(self):
        return listed(Explainer.objects.published())

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        # Counted once per change to which explainers are published, not on every render.
        paginator.count = remembered_count(
            "published-count", [reader_pages.LISTING], lambda: paginator.count
        )
        return paginator


def working_draft_preview(draft: Explainer) -> Explainer:
    """A working draft exactly as readers would see it once published: the live explainer's
    reader-facing state (address, dates, byline, comment settings, corrections log, comment
    thread and counts; its id, so related explainers leave it out) with the draft's content
    (its fields, topics, sources, key points and sections). Built in memory, never saved."""
    preview = Explainer.objects.select_related(
        "byline__reader_profile", "byline__author_profile"
    ).get(pk=draft.draft_of_id)
    load_parts(draft)
    load_parts(preview)
    attach_prompts(preview.corrections.all())
    for name in [*CONTENT_FIELDS, "reading_minutes"]:
        setattr(preview, name, getattr(draft, name))
    for name in ("topics", "source_links", "key_points", "sections"):
        manager = getattr(draft, name)
        key = getattr(manager, "prefetch_cache_name", None) or manager.field.remote_field.cache_name
        preview._prefetched_objects_cache[key] = draft._prefetched_objects_cache[key]
    for section in preview.sections.all():
        # The anchor a section will have: the live section it updates keeps its id.
        section.pk = section.origin_id or section.pk
        section.explainer = preview
    return preview


class ExplainerDetailView(SharedPageMixin, StaffPreviewMixin, DetailView):
    model = Explainer
    context_object_name = "explainer"
    working_draft = None

    def get_object(self, queryset=None):
        explainer = super().get_object(queryset)
        if explainer.draft_of_id is None:
            return explainer
        # Only staff reach a working draft (StaffPreviewMixin: it is never published).
        self.working_draft = explainer
        return working_draft_preview(explainer)

    def thread(self, explainer):
        """The page of the thread the address asks for: `cview=featured` lists the featured
        comments alone; otherwise `csort` orders the threads (comments.threads.SORTS)."""
        number = self.request.GET.get("cpage", 1)
        if self.request.GET.get("cview") == "featured":
            return featured_page(explainer=explainer, page_number=number)
        return thread_page(
            explainer=explainer, page_number=number, sort=self.request.GET.get("csort")
        )

    def page_tags(self):
        return [reader_pages.explainer_tag(self.kwargs["slug"])]

    def get_queryset(self):
        # The explainer with its byline (public_name() reads the profile, the link its author
        # profile); its parts come in one query of their own (get_context_data), not one
        # prefetch each.
        return (
            super()
            .get_queryset()
            .select_related("byline__reader_profile", "byline__author_profile")
        )

    def get_context_data(self, **kwargs):
        """Three queries after the explainer's own, whatever it holds: its parts (topics,
        sources, key points, sections, corrections, attached as if prefetched, for the
        template and pages.seo), the related explainers, and the page of its thread; a fourth
        when it has corrections, for what prompted them (desk.queries.attach_prompts)."""
        explainer = self.object
        if self.working_draft is None:  # a working draft's preview has its parts already
            load_parts(explainer)
            # "Prompted by a reader" in the corrections log: one query, none without them.
            attach_prompts(explainer.corrections.all())
        source_links = list(explainer.source_links.all())  # loaded: no query
        # The page shows its topics' and sources' names, and related explainers drawn from
        # them (read next); it changes by itself when comments close.
        page_cache.depend(
            self.request,
            *(reader_pages.topic_tag(topic.slug) for topic in explainer.topics.all()),
            *(reader_pages.source_tag(link.source_id) for link in source_links),
        )
        page_cache.expires_by(self.request, comments_close_at(explainer))
        related = related_explainers(explainer, limit=RELATED_LIMIT)
        context = super().get_context_data(
            primary_source=source_links[0].source if source_links else None,
            further_sources=[link.source for link in source_links[1:]],
            related_explainers=related,
            thread=self.thread(explainer),
            working_draft=self.working_draft,
            **self.comments_state(explainer),
            **kwargs,
        )
        if self.working_draft is not None:
            # The live explainer's state says "published": this is still a preview (never
            # cached, noindex, with its banner).
            context["is_preview"] = True
        return context

    def comments_state(self, explainer):
        """Whether this reader may write here. A signed-in reader who is suspended or banned
        sees why and until when instead of the form, and no reply links (comments are closed
        to them): one query, and only for a signed-in reader, whose page is rendered for them
        alone (the session cookie keeps it out of the shared cache)."""
        notice = suspension_notice(suspension_in_force(self.request.user))
        closed = closed_reason(explainer) or (notice.message if notice else "")
        return {"comments_closed": closed, "suspension_notice": notice}


class TopicDetailView(SharedPageMixin, ListView):
    """A topic and its published explainers."""

    def page_tags(self):
        slug = self.kwargs["slug"]
        return [reader_pages.topic_tag(slug), reader_pages.topic_counts_tag(slug)]

    template_name = "explainers/topic_detail.html"
    paginate_by = PAGE_SIZE
    context_object_name = "explainers"

    def get_queryset(self):
        slug = self.kwargs["slug"]
        name = f"topic-count:{slug}"
        count = page_cache.recall(name)
        if count is None:
            # Counted with the topic, and kept until the topic's explainers change.
            versions = page_cache.current_versions([reader_pages.topic_tag(slug)])
            topics = Topic.objects.annotate(explainer_count=published_count("topics"))
            self.topic = get_object_or_404(topics, slug=slug)
            page_cache.remember(
                name,
                versions,
                self.topic.explainer_count,
                until=reader_pages.next_scheduled_publication(),
            )
        else:
            self.topic = get_object_or_404(Topic, slug=slug)
            self.topic.explainer_count = count
        return listed(Explainer.objects.published().filter(topics=self.topic))

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        paginator.count = self.topic.explainer_count  # read with the topic: no COUNT query
        return paginator

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


def portrait_picture(author) -> Picture | None:
    """The author's portrait with its renditions; before they are made (or if they cannot
    be), the original with the dimensions stored beside it."""
    picture = Picture.of(author.portrait, author.portrait_renditions)
    if picture is not None and picture.width is None and author.portrait_width:
        picture = Picture(
            url=picture.url, width=author.portrait_width, height=author.portrait_height
        )
    return picture


class AuthorDetailView(SharedPageMixin, ListView):
    """An author's page: their public profile and their published explainers. Only people
    with an author profile have one; the login behind it never shows."""

    template_name = "readers/authorprofile_detail.html"
    paginate_by = PAGE_SIZE
    context_object_name = "explainers"

    def page_tags(self):
        return [reader_pages.author_tag(self.kwargs["slug"])]

    def get_queryset(self):
        slug = self.kwargs["slug"]
        name = f"author-count:{slug}"
        count = page_cache.recall(name)
        profiles = AuthorProfile.objects.all()
        if count is None:
            # Counted with the profile (its key is the user's), kept until their explainers
            # or the profile change.
            versions = page_cache.current_versions([reader_pages.author_tag(slug)])
            profiles = profiles.annotate(explainer_count=published_count("byline"))
            self.author = get_object_or_404(profiles, slug=slug)
            page_cache.remember(
                name,
                versions,
                self.author.explainer_count,
                until=reader_pages.next_scheduled_publication(),
            )
        else:
            self.author = get_object_or_404(profiles, slug=slug)
            self.author.explainer_count = count
        return listed(Explainer.objects.published().filter(byline_id=self.author.pk))

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        paginator.count = self.author.explainer_count  # read with the profile: no COUNT query
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            author=self.author, portrait=portrait_picture(self.author), **kwargs
        )
        # The cards name their topics: a renamed topic refreshes the page (as the explainer
        # page does for its own topics).
        explainers = context["explainers"] = list(context["explainers"])
        page_cache.depend(
            self.request,
            *{
                reader_pages.topic_tag(topic.slug)
                for explainer in explainers
                for topic in explainer.topics.all()
            },
        )
        return context


class SourceDetailView(SharedPageMixin, ListView):
    """A source article and the published explainers that explain it.

    Readers only reach sources that a published explainer cites, so a draft's source does not
    announce the explainer before it is out; staff reach every source.
    """

    template_name = "explainers/sourcearticle_detail.html"
    paginate_by = PAGE_SIZE
    context_object_name = "explainers"

    def page_tags(self):
        pk = self.kwargs["pk"]
        return [reader_pages.source_tag(pk), reader_pages.source_counts_tag(pk)]

    def get_source_queryset(self):
        sources = SourceArticle.objects.annotate(
            explainer_count=published_count("source_links__source")
        )
        if is_staff(self.request.user):
            return sources
        return sources.filter(explainer_count__gt=0)

    def get_queryset(self):
        self.source = get_object_or_404(self.get_source_queryset(), pk=self.kwargs["pk"])
        return listed(Explainer.objects.published().filter(source_links__source=self.source))

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        paginator.count = self.source.explainer_count  # read with the source: no COUNT query
        return paginator

    def get_context_data(self, **kwargs):
        return super().get_context_data(source=self.source, **kwargs)


class SearchView(TemplateView):
    """Search published explainers (Japanese and English; see ExplainerQuerySet.search).

    Results come ranked from the full-text index, each with its title and a snippet of the
    matching text, matches marked. Filters: `topic` (a topic's slug) and `language`. Pages are
    read as PAGE_SIZE + 1 rows, so there is a next page exactly when the extra row exists:
    no second query counts every match (the total is shown when the last page is reached).
    """

    template_name = "explainers/search.html"

    def get(self, request, *args, **kwargs):
        # Control characters are never part of a search (PostgreSQL refuses NUL outright).
        self.query = clean_text(request.GET.get("q", "")).strip()
        context = {"query": self.query, "max_length": SEARCH_MAX_LENGTH}
        if len(self.query) > SEARCH_MAX_LENGTH:
            # A clear answer, not a search: the query is refused before it reaches the database.
            message = _("Your search is too long. Please use at most %(max)d characters.") % {
                "max": SEARCH_MAX_LENGTH
            }
            return TemplateResponse(
                request, self.template_name, {**context, "error": message}, status=400
            )
        self.language = request.GET.get("language", "")
        self.topic_slug = request.GET.get("topic", "")
        self.topics = list(Topic.objects.only("name", "slug"))
        self.topic = next((t for t in self.topics if t.slug == self.topic_slug), None)
        if (self.language and self.language not in Language.values) or (
            self.topic_slug and self.topic is None
        ):
            message = _("That filter does not exist. Choose a topic or language from the list.")
            context.update(
                error=message, search_topics=self.topics, search_languages=Language.choices
            )
            return TemplateResponse(request, self.template_name, context, status=400)
        try:
            self.page = int(request.GET.get("page", "1"))
        except ValueError:
            raise Http404 from None
        if not 1 <= self.page <= SEARCH_MAX_PAGE:
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        parsed = parse_query(self.query)
        explainers, has_next = [], False
        if parsed:
            results = Explainer.objects.published().search(self.query)
            if self.language:
                results = results.filter(language=self.language)
            if self.topic:
                results = results.filter(topics=self.topic)
            offset = (self.page - 1) * PAGE_SIZE
            # The page's ids first, then what the page shows for those rows only: annotated
            # in the ranking query, comment counts would be counted for every match.
            ids = list(results.values_list("pk", flat=True)[offset : offset + PAGE_SIZE + 1])
            has_next = len(ids) > PAGE_SIZE
            ids = ids[:PAGE_SIZE]
            if self.page > 1 and not ids:
                raise Http404
            rows = listed(Explainer.objects.filter(pk__in=ids).order_by()).in_bulk()
            explainers = [rows[pk] for pk in ids if pk in rows]
            for explainer in explainers:
                explainer.title_marked = highlight(explainer.title, parsed.highlight)
                explainer.snippet = snippet(explainer.search_text, parsed)
        first = (self.page - 1) * PAGE_SIZE + 1
        return super().get_context_data(
            query=self.query,
            max_length=SEARCH_MAX_LENGTH,
            explainers=explainers,
            page=self.page,
            has_next=has_next,
            has_previous=self.page > 1,
            first=first,
            last=first + len(explainers) - 1,
            total=None if has_next else first - 1 + len(explainers),
            search_topics=self.topics,
            search_topic=self.topic,
            search_language=self.language,
            search_languages=Language.choices,
            **kwargs,
        )


def set_language(request, code):
    """Switch the interface language with a plain link (no form, so no CSRF cookie on shared
    pages): remember it in the language cookie, for pages whose address has no language
    (accounts, moderation), and go to `next` in that language.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(translate_url(next_url, code))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
