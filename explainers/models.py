"""The explainers domain: what editors publish and readers read.

"Visible to readers" has one definition, `Explainer.objects.published()`; every page, feed,
sitemap and count starts from it. Derived values (section HTML, the search document, reading
time) are computed on write, never at request time.
"""

import html
import itertools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from core import images, text
from core.sanitize import markdown_to_html
from core.search_tokens import parse_query
from explainers import search
from readers.models import author_profile_of, byline_name


def unique_slug(instance, source: str, *, fallback: str) -> str:
    """A unique, readable slug for `instance` made from `source` (Japanese is romanised),
    with -2, -3… on a clash with another row of its model."""
    base = text.slug_base(source, max_length=90) or fallback
    taken = set(
        type(instance)
        .objects.exclude(pk=instance.pk)
        .filter(slug__startswith=base)
        .values_list("slug", flat=True)
    )
    candidates = itertools.chain([base], (f"{base}-{n}" for n in itertools.count(2)))
    return next(candidate for candidate in candidates if candidate not in taken)


SLUG_ATTEMPTS = 5


def save_with_unique_slug(instance, save, source: str, *, fallback: str) -> None:
    """Run `save()` for `instance`, choosing its slug from `source` when it has none.

    `unique_slug` checks, then the row is inserted: two saves of the same title at once can
    both pick the same slug, and the second insert fails on the unique constraint. For a new
    row whose slug we chose, that clash is retried with a fresh slug (in a savepoint, so the
    caller's transaction survives); any other IntegrityError, or a slug the editor typed,
    is raised as before.
    """
    if instance.slug:
        save()
        return
    for attempt in range(1, SLUG_ATTEMPTS + 1):
        instance.slug = unique_slug(instance, source, fallback=fallback)
        if not instance._state.adding:
            save()
            return
        try:
            with transaction.atomic():
                save()
            return
        except IntegrityError:
            clash = type(instance).objects.filter(slug=instance.slug).exists()
            instance.slug = ""
            if not clash or attempt == SLUG_ATTEMPTS:
                raise


class EditorTextMixin:
    """Editor text gets the same control-character rule as reader text (core.text.clean_text).

    NUL cannot be stored by PostgreSQL, and control or bidi characters break feeds and
    disguise text. Cleaned in clean() (the service path: full_clean, then save) and again in
    save() (anything that saves without validating). Newlines and tabs are kept.
    """

    editor_text_fields: tuple[str, ...] = ()

    def clean_editor_text(self) -> None:
        for name in self.editor_text_fields:
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, text.clean_text(value))

    def clean_fields(self, exclude=None):
        # Before the field checks, so a required field that held only control characters is
        # refused as blank instead of being stored empty.
        self.clean_editor_text()
        super().clean_fields(exclude=exclude)


class Language(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")


class CommentMode(models.TextChoices):
    """How an explainer takes comments; `comments.pipeline` reads it, in one place."""

    OPEN = "open", _("Open: the site's pre-moderation (trusted readers published at once)")
    HELD = "held", _("Open, every comment held for a moderator")
    CLOSED = "closed", _("Closed")


class Topic(EditorTextMixin, models.Model):
    editor_text_fields = ("name", "description")

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("Used in the topic's address; letters, numbers and hyphens."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.clean_editor_text()
        save_with_unique_slug(
            self, lambda: super(Topic, self).save(*args, **kwargs), self.name, fallback="topic"
        )

    def get_absolute_url(self):
        return reverse("explainers:topic", kwargs={"slug": self.slug})

    def clean(self):
        self.clean_editor_text()


class SourceArticle(EditorTextMixin, models.Model):
    """The news article an explainer explains. One source can back several explainers.

    Its title is part of the search document of every explainer citing it: save a change
    through `explainers.services.source_article_save`, which refreshes them.
    """

    editor_text_fields = ("title", "publisher", "author")

    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(
        _("address"), max_length=500, unique=True, help_text=_("The article's public web address.")
    )
    publisher = models.CharField(_("publisher"), max_length=200)
    published_on = models.DateField(_("publication date"))
    author = models.CharField(_("author"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.JAPANESE
    )

    class Meta:
        ordering = ["-published_on", "title"]
        verbose_name = _("source article")
        verbose_name_plural = _("source articles")
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="sourcearticle_language_valid"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.publisher})"

    def save(self, *args, **kwargs):
        self.clean_editor_text()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("explainers:source", kwargs={"pk": self.pk})

    def canonical_path(self) -> str:
        """The source's page under its own language's prefix (links elsewhere keep the
        reader's language): the address search engines and sitemaps are given."""
        return canonical_path(self.language, "explainers:source", pk=self.pk)

    def clean(self):
        self.clean_editor_text()


class ExplainerQuerySet(models.QuerySet):
    def published(self, now=None):
        """The single definition of "visible to readers".

        Published, and its publish time has come. Scheduling is decided here, at query time,
        so an explainer set to publish at 09:00 appears at 09:00 with no job to run.
        """
        now = now or timezone.now()
        return self.filter(status=Explainer.Status.PUBLISHED, publish_at__lte=now)

    def with_last_updated(self):
        """Annotate `last_updated_at`: `Explainer.last_updated` in SQL, for ordering."""
        return self.annotate(last_updated_at=last_updated_of())

    def search(self, query: str):
        """Explainers matching every term of the query, best first, from the full-text index.

        Tokens are `core.search_tokens`' (Japanese as bigrams, so a word is found inside a
        compound; Latin words whole, so AI never matches "paid"); the index and ranking are
        `explainers.search`'s, on PostgreSQL and SQLite alike. A "quoted phrase" matches as a
        phrase. Annotates `search_rank`; equal ranks put newer explainers first.
        """
        parsed = parse_query(query)
        if not parsed:  # nothing searchable (e.g. only punctuation or control characters)
            return self.none()
        return search.filter_and_rank(self, connections[self.db], parsed).order_by(
            "-search_rank", "-publish_at", "-pk"
        )

    def related_to(self, explainer, *, topic_ids=None, source_ids=None, per_link=None):
        """Explainers that share topics or sources with `explainer`, most shared first, then
        newest.

        `shared` is the number of shared topics plus shared sources. One query.

        Bounded, so its cost does not grow with the archive: the candidates are, for each of
        the explainer's topics and sources, only the `per_link` (RELATED_CANDIDATES_PER_LINK)
        newest explainers filed under it or citing it, newest by id, the order they were
        written. Each is read from the (topic, explainer) or (source, explainer) index, in
        index order, so a topic shared by a sixth of the archive costs `per_link` index entries
        like a topic of five. Only those candidates are filtered by this queryset (e.g.
        `published()`) and ranked, their `shared` counted through the (explainer, topic) and
        (explainer, source) unique indexes. An explainer older than the newest `per_link` of
        every topic and source it shares is not offered: related reading is recent news.

        The explainer's own topics and sources are `topic_ids` and `source_ids` when given,
        else read from `explainer.topics.all()` and `explainer.source_links.all()`: free when
        the caller has them prefetched, two small queries otherwise. Slice the result ("a
        handful") where it is shown.
        """
        per_link = per_link or RELATED_CANDIDATES_PER_LINK
        topic_links = Explainer.topics.through.objects
        if topic_ids is None:
            topic_ids = sorted({topic.pk for topic in explainer.topics.all()})
        if source_ids is None:
            source_ids = sorted({link.source_id for link in explainer.source_links.all()})

        def newest(links, field, ids):
            """Link rows of the `per_link` newest other explainers under each of `ids`: one
            index range each, from the `per_link`-th newest one's id up (all when fewer)."""
            bounds = Q()
            for pk in ids:
                nth = (
                    links.filter(**{field: pk})
                    .exclude(explainer_id=explainer.pk)
                    .order_by("-explainer_id")
                    .values("explainer_id")[per_link - 1 : per_link]
                )
                bounds |= Q(**{field: pk}) & Q(explainer_id__gte=Coalesce(Subquery(nth), 0))
            return links.filter(bounds).order_by().values("explainer_id")

        def shared(links, field, ids):
            if not ids:
                return models.Value(0)
            return Coalesce(
                Subquery(
                    links.filter(explainer_id=models.OuterRef("pk"), **{f"{field}__in": ids})
                    .order_by()
                    .values("explainer_id")
                    .annotate(n=models.Count("pk"))
                    .values("n")[:1],
                    output_field=models.IntegerField(),
                ),
                0,
            )

        candidates = [
            newest(links, field, ids)
            for links, field, ids in (
                (topic_links, "topic_id", topic_ids),
                (ExplainerSource.objects, "source_id", source_ids),
            )
            if ids
        ]
        if not candidates:
            return self.none()
        if len(candidates) > 1:
            candidates = [candidates[0].union(*candidates[1:], all=True)]
        return (
            self.filter(pk__in=candidates[0])
            .exclude(pk=explainer.pk)
            .annotate(
                shared=shared(topic_links, "topic_id", topic_ids)
                + shared(ExplainerSource.objects, "source_id", source_ids)
            )
            .order_by("-shared", "-publish_at", "-pk")
        )


# How many of the newest explainers under each topic, and citing each source, are candidates
# for an explainer's related reading (ExplainerQuerySet.related_to): its bound.
RELATED_CANDIDATES_PER_LINK = 50


class Explainer(EditorTextMixin, models.Model):
    editor_text_fields = (
        "title",
        "introduction",
        "summary",
        "lead_image_alt",
        "lead_image_caption",
        "lead_image_credit",
    )

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("The explainer's address. Filled from the title; readable ASCII."),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.JAPANESE
    )
    introduction = models.TextField(
        _("introduction"), help_text=_("Why this news matters, in a short paragraph or two.")
    )
    summary = models.TextField(_("summary"), help_text=_("The wrap-up readers leave with."))
    topics = models.ManyToManyField(
        Topic, related_name="explainers", blank=True, verbose_name=_("topics")
    )
    sources = models.ManyToManyField(
        SourceArticle,
        through="ExplainerSource",
        related_name="explainers",
        verbose_name=_("source articles"),
    )
    byline = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="explainers",
        null=True,
        blank=True,
        verbose_name=_("byline"),
        help_text=_("The editor who created the explainer."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_(
            "Readers see a published explainer from this time on. A future time schedules it."
        ),
    )
    first_published_at = models.DateTimeField(
        _("first published"), null=True, blank=True, editable=False
    )
    significant_update_at = models.DateTimeField(
        _("last significant update"), null=True, blank=True, editable=False
    )
    comment_mode = models.CharField(
        _("comments"),
        max_length=10,
        choices=CommentMode.choices,
        default=CommentMode.OPEN,
        help_text=_(
            "How this explainer takes comments. Hold every comment for a sensitive story, "
            "whatever the reader's trust; close to take none."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)
    # A working draft: the changes to a live explainer that readers see only once they are
    # published (explainers.drafts). Readers never see the row itself (never published, its
    # slug internal); the live explainer stays as it is until "Publish changes".
    draft_of = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="working_draft",
        verbose_name=_("working draft of"),
    )
    # The note of the last "Request changes", shown to the author until they submit again.
    review_note = models.TextField(_("changes requested"), blank=True, editable=False)
    # The lead image: on the page, on home and topic cards and as og:image. Its renditions
    # (core.images) are derived on write, by refresh_derived.
    lead_image = models.ImageField(
        _("lead image"),
        upload_to="lead/%Y/%m/",
        blank=True,
        validators=[images.validate_image_upload],
        help_text=_(
            "Optional. JPEG, PNG, GIF or WebP; shown on the page, on lists and in link previews."
        ),
    )
    lead_image_alt = models.CharField(
        _("alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it. Required with an image."),
    )
    lead_image_caption = models.CharField(_("caption"), max_length=300, blank=True)
    lead_image_credit = models.CharField(_("credit"), max_length=200, blank=True)
    lead_image_renditions = models.JSONField(default=dict, blank=True, editable=False)

    # Derived on write (see refresh_derived), with the search index: the readable text of
    # every indexed part, for search result snippets (explainers.search), and reading time.
    search_text = models.TextField(editable=False, default="")
    reading_minutes = models.PositiveIntegerField(
        _("reading time (minutes)"), default=0, editable=False
    )
    # What readers see of the thread: comments readers may see (`Comment.objects.visible()`)
    # and the top-level ones among them. Kept exact by `comments.counters`, in the transaction
    # that changes a comment's visibility, so lists and the thread read a column, never a
    # COUNT over the explainer's comments.
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    comment_thread_count = models.PositiveIntegerField(_("thread"), default=0, editable=False)
    comment_featured_count = models.PositiveIntegerField(
        _("featured comments"), default=0, editable=False
    )

    objects = ExplainerQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("explainer")
        verbose_name_plural = _("explainers")
        permissions = [
            ("publish_explainer", _("Can publish, schedule and unpublish explainers")),
            ("change_comment_settings", _("Can open and close comments on explainers")),
        ]
        indexes = [models.Index(fields=["status", "-publish_at"], name="explainer_published_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "review", "published", "archived"]),
                name="explainer_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="explainer_language_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="explainer_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(lead_image="") | ~Q(lead_image_alt=""),
                name="explainer_lead_image_has_alt",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.clean_editor_text()
        save_with_unique_slug(
            self,
            lambda: super(Explainer, self).save(*args, **kwargs),
            self.title,
            fallback="explainer",
        )

    def get_absolute_url(self):
        return reverse("explainers:detail", kwargs={"slug": self.slug})

    def canonical_path(self) -> str:
        """The explainer's page under its own language's prefix: its one canonical address
        (the page in the other interface language names it as canonical)."""
        return canonical_path(self.language, "explainers:detail", slug=self.slug)

    def clean(self):
        self.clean_editor_text()
        if self.status == self.Status.PUBLISHED and not self.publish_at:
            raise ValidationError({"publish_at": _("A published explainer needs a publish time.")})
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": _("Describe the image for readers who cannot see it.")}
            )

    @property
    def is_working_draft(self) -> bool:
        return self.draft_of_id is not None

    @property
    def is_live(self) -> bool:
        """Published (or scheduled): its text changes only through a working draft."""
        return self.status == self.Status.PUBLISHED and self.draft_of_id is None

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def first_published(self):
        """The first moment readers could see the explainer, or None if they never could.

        The one rule for "published" dates (the page, JSON-LD datePublished, feeds, comment
        auto-close). `first_published_at` is stored only once the explainer has really been
        visible (never a future time); a scheduled explainer whose time has come has not been
        written to since, so until then its publish time is its first publication.
        """
        if self.first_published_at is not None:
            return self.first_published_at
        return self.publish_at if self.is_published else None

    @property
    def updated_at(self):
        """The time readers see as "Updated": only after a significant update."""
        return self.significant_update_at

    @property
    def last_updated(self):
        """The one "last updated" rule: the last significant update, else first publication.

        Used by the sitemap (lastmod), feeds (updated, ordering) and JSON-LD (dateModified).
        `last_updated_of()` below is the same rule in SQL: for a published explainer
        `first_published` is `first_published_at or publish_at`, which is what it coalesces.
        A republished explainer keeps its first publication time: republishing is not an
        update readers need to be told about; a significant correction is.
        """
        return self.significant_update_at or self.first_published or self.publish_at

    @property
    def comments_open(self) -> bool:
        """Whether the editors let this explainer take comments (it may still close by
        itself: `comments.submission.closed_reason`)."""
        return self.comment_mode != CommentMode.CLOSED

    @property
    def comments_held(self) -> bool:
        """Whether every comment here waits for a moderator (the page says so to readers)."""
        return self.comment_mode == CommentMode.HELD

    @property
    def byline_name(self) -> str:
        """The byline as readers see it (`readers.byline_name`: the author profile's name,
        else the newsroom; never a login), or ""."""
        return byline_name(self.byline) if self.byline_id else ""

    @property
    def byline_author(self):
        """The byline's author profile (their author page), or None."""
        return author_profile_of(self.byline) if self.byline_id else None

    def search_source(self) -> search.Document:
        """The parts search indexes, read fresh from the database (four queries)."""
        sections = self.sections.values_list("heading", "body_html")
        sources = self.source_links.values_list("source__title", "source__publisher")
        return search.Document(
            title=self.title,
            introduction=self.introduction,
            key_points=list(self.key_points.values_list("text", flat=True)),
            sections=[f"{h}\n{html.unescape(strip_tags(b))}" for h, b in sections],
            summary=self.summary,
            sources=[f"{title} ({publisher})" for title, publisher in sources],
            topics=list(self.topics.values_list("name", flat=True)),
        )

    @cached_property
    def lead_picture(self) -> "images.Picture | None":
        """The lead image as pages show it (its renditions, else the original), or None."""
        return images.Picture.of(self.lead_image, self.lead_image_renditions)

    def refresh_renditions(self) -> None:
        """Make the renditions of the lead image and of every section's figure that were not
        made from the file they hold now (core.images); one query when none changed."""
        manager = Explainer.objects.db_manager(self._state.db)
        made = images.renditions_for(self.lead_image, self.lead_image_renditions)
        if made != self.lead_image_renditions:
            self.lead_image_renditions = made
            manager.filter(pk=self.pk).update(lead_image_renditions=made)
        self.__dict__.pop("lead_picture", None)
        sections = DetailSection.objects.db_manager(manager.db).filter(explainer_id=self.pk)
        for section in sections.exclude(figure_image="").only("figure_image", "figure_renditions"):
            made = images.renditions_for(section.figure_image, section.figure_renditions)
            if made != section.figure_renditions:
                sections.filter(pk=section.pk).update(figure_renditions=made)

    def refresh_derived(self, save: bool = True):
        """Rebuild the search index, the text its snippets are cut from and reading time from
        the explainer and its parts.

        Called once, explicitly, by whoever saved the explainer or its parts: the admin's
        save_related, the services, the demo loader (no signals: one save, one refresh).
        Image renditions are made here too (`refresh_renditions`), for images that changed.
        """
        document = self.search_source()
        readable = "\n".join(
            [
                self.title,
                self.introduction,
                *document.key_points,
                *document.sections,
                self.summary,
            ]
        )
        self.search_text = document.plain_text()
        self.reading_minutes = text.reading_minutes(readable)
        if save and self.pk:
            self.refresh_renditions()
            manager = Explainer.objects.db_manager(self._state.db)
            manager.filter(pk=self.pk).update(
                search_text=self.search_text,
                reading_minutes=self.reading_minutes,
            )
            search.index_documents(
                connections[manager.db], self._meta.db_table, [(self.pk, document)]
            )


def canonical_path(language: str, name: str, **kwargs) -> str:
    """A reader page's address with `language`'s prefix (the site's default language when
    the interface has no such language)."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def last_updated_of(prefix: str = ""):
    """`Explainer.last_updated` in SQL, for ordering and aggregates over published rows.

    `prefix` reads it through a relation, e.g. `Max(last_updated_of("explainers__"))`.
    """
    return models.functions.Coalesce(
        f"{prefix}significant_update_at", f"{prefix}first_published_at", f"{prefix}publish_at"
    )


class ExplainerSource(models.Model):
    """The ordered link between an explainer and its sources; the first is the primary source."""

    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(
        SourceArticle,
        on_delete=models.PROTECT,
        related_name="explainer_links",
        verbose_name=_("source article"),
    )
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("cited source")
        verbose_name_plural = _("cited sources")
        constraints = [
            models.UniqueConstraint(
                fields=["explainer", "position"], name="explainersource_unique_position"
            ),
            models.UniqueConstraint(
                fields=["explainer", "source"], name="explainersource_unique_source"
            ),
        ]
        # The newest explainers citing a source, in index order (ExplainerQuerySet.related_to).
        indexes = [models.Index(fields=["source", "explainer"], name="explainersource_recent_idx")]

    def __str__(self):
        return f"{self.explainer} ← {self.source}"


class KeyPoint(EditorTextMixin, models.Model):
    editor_text_fields = ("text",)

    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="key_points")
    text = models.CharField(_("key point"), max_length=500, help_text=_("One short statement."))
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    # In a working draft: the live explainer's key point this row is a copy of (None: new).
    origin = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("key point")
        verbose_name_plural = _("key points")
        constraints = [
            models.UniqueConstraint(
                fields=["explainer", "position"], name="keypoint_unique_position"
            ),
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        self.clean_editor_text()
        super().save(*args, **kwargs)

    def clean(self):
        self.clean_editor_text()


class DetailSection(EditorTextMixin, models.Model):
    editor_text_fields = ("heading", "body", "figure_alt", "figure_caption", "figure_credit")

    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown: **bold**, *italic*, lists, links, > quotes, ## subheadings. No raw HTML."
        ),
    )
    body_html = models.TextField(editable=False, default="")
    figure_image = models.ImageField(
        _("figure image"),
        upload_to="figures/%Y/%m/",
        blank=True,
        validators=[images.validate_image_upload],
    )
    figure_alt = models.CharField(
        _("alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it. Required with an image."),
    )
    figure_caption = models.CharField(_("caption"), max_length=300, blank=True)
    figure_credit = models.CharField(_("credit"), max_length=200, blank=True)
    figure_renditions = models.JSONField(default=dict, blank=True, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    # In a working draft: the live explainer's section this row is a copy of (None: new).
    origin = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("detail section")
        verbose_name_plural = _("detail sections")
        constraints = [
            models.UniqueConstraint(
                fields=["explainer", "position"], name="detailsection_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(figure_image="") | ~Q(figure_alt=""),
                name="detailsection_figure_has_alt",
            ),
        ]

    def __str__(self):
        return self.heading

    def save(self, *args, **kwargs):
        self.clean_editor_text()
        self.body_html = markdown_to_html(self.body)
        super().save(*args, **kwargs)

    @cached_property
    def figure_picture(self) -> "images.Picture | None":
        """The figure as pages show it (its renditions, else the original), or None."""
        return images.Picture.of(self.figure_image, self.figure_renditions)

    @property
    def anchor(self) -> str:
        """A stable fragment id for the table of contents (survives reordering and edits)."""
        return f"section-{self.pk}"

    def clean(self):
        self.clean_editor_text()
        if self.figure_image and not self.figure_alt.strip():
            raise ValidationError(
                {"figure_alt": _("Describe the image for readers who cannot see it.")}
            )


class Correction(EditorTextMixin, models.Model):
    editor_text_fields = ("note",)

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        CLARIFICATION = "clarification", _("Clarification")
        UPDATE = "update", _("Update")

    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.CORRECTION)
    note = models.TextField(
        _("note"), help_text=_("What was wrong or what changed, as readers will see it.")
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    significant = models.BooleanField(
        _("significant"),
        default=True,
        help_text=_("Significant changes move the explainer's updated time, sitemap and feeds."),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        get_latest_by = "created_at"
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["correction", "clarification", "update"]),
                name="correction_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["-created_at"], name="correction_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.explainer}"

    def save(self, *args, **kwargs):
        self.clean_editor_text()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.explainer.get_absolute_url()}#correction-{self.pk}"

    def clean(self):
        self.clean_editor_text()


class Revision(models.Model):
    """A stored version of an explainer as readers would see it, and what happened to it.

    `snapshot` is `explainers.revisions.snapshot()`: the fields, topics, sources in order, key
    points and sections in order, each part with a stable id, as JSON. Revisions belong to the
    explainer readers know (a working draft's are filed under its live explainer, marked
    `of_working_draft`), so one history tells the whole story. Bounded: see
    `explainers.revisions.record`.
    """

    class Event(models.TextChoices):
        EDIT = "edit", _("Edited")
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        SCHEDULED = "scheduled", _("Scheduled")
        ARCHIVED = "archived", _("Archived")
        CORRECTION = "correction", _("Correction added")
        RESTORED = "restored", _("Restored")

    explainer = models.ForeignKey(
        Explainer, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("explainer")
    )
    of_working_draft = models.BooleanField(_("working draft"), default=False)
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    snapshot = models.JSONField(_("snapshot"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        indexes = [
            models.Index(fields=["explainer", "-created_at", "-id"], name="revision_history_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    event__in=[
                        "edit",
                        "submitted",
                        "changes_requested",
                        "published",
                        "unpublished",
                        "scheduled",
                        "archived",
                        "correction",
                        "restored",
                    ]
                ),
                name="revision_event_valid",
            ),
        ]

    def __str__(self):
        return f"{self.explainer_id}: {self.get_event_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class WorkflowEmailOptOut(models.Model):
    """Someone who asked for no more editorial workflow emails (submitted for review, changes
    requested, published): the one-click unsubscribe link in those emails writes it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("workflow email opt-out")
        verbose_name_plural = _("workflow email opt-outs")

    def __str__(self):
        return str(self.user)
