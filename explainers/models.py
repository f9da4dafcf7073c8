"""The explainers domain: what editors publish and readers read.

"Visible to readers" has one definition, `Explainer.objects.published()`; every page, feed,
sitemap and count starts from it. Derived values (section HTML, the search document, reading
time) are computed on write, never at request time.
"""

import html
import itertools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from core import text
from core.sanitize import markdown_to_html


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


class Language(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")


class Topic(models.Model):
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
        if not self.slug:
            self.slug = unique_slug(self, self.name, fallback="topic")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("explainers:topic", kwargs={"slug": self.slug})


class SourceArticle(models.Model):
    """The news article an explainer explains. One source can back several explainers."""

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

    def get_absolute_url(self):
        return reverse("explainers:source", kwargs={"pk": self.pk})


class ExplainerQuerySet(models.QuerySet):
    def published(self, now=None):
        """The single definition of "visible to readers".

        Published, and its publish time has come. Scheduling is decided here, at query time,
        so an explainer set to publish at 09:00 appears at 09:00 with no job to run.
        """
        now = now or timezone.now()
        return self.filter(status=Explainer.Status.PUBLISHED, publish_at__lte=now)

    def search(self, query: str):
        """Explainers whose search document contains every term of the query.

        Both sides are NFKC-folded and case-folded, so a Japanese word matches inside an
        unspaced sentence and full-width/half-width or case variants match each other.
        Hits in the title rank above hits elsewhere; newer first within a rank.
        """
        terms = text.fold(query).split()
        if not terms:  # nothing searchable (e.g. only control characters): no results
            return self.none()
        qs = self
        title_hits = Q()
        for term in terms:
            qs = qs.filter(search_document__contains=term)
            title_hits &= Q(search_title__contains=term)
        return qs.annotate(
            title_rank=models.Case(
                models.When(title_hits, then=models.Value(1)),
                default=models.Value(0),
                output_field=models.IntegerField(),
            )
        ).order_by("-title_rank", "-publish_at", "-pk")

    def related_to(self, explainer):
        """Explainers that share topics or sources with `explainer`, most shared first.

        `shared` is the number of shared topics plus shared sources. Both are counted in
        correlated subqueries, so this is one query however many topics, sources or
        candidates there are; the pk filters let the database start from the link tables.
        Slice the result ("a handful") where it is shown.
        """
        topic_links = Explainer.topics.through.objects
        own_topics = topic_links.filter(explainer_id=explainer.pk).values("topic_id")
        own_sources = ExplainerSource.objects.filter(explainer_id=explainer.pk).values("source_id")

        def shared(links, field, own):
            return models.functions.Coalesce(
                models.Subquery(
                    links.filter(explainer_id=models.OuterRef("pk"), **{f"{field}__in": own})
                    .order_by()
                    .values("explainer_id")
                    .annotate(n=models.Count("pk"))
                    .values("n")[:1],
                    output_field=models.IntegerField(),
                ),
                0,
            )

        return (
            self.filter(
                Q(pk__in=topic_links.filter(topic_id__in=own_topics).values("explainer_id"))
                | Q(
                    pk__in=ExplainerSource.objects.filter(source_id__in=own_sources).values(
                        "explainer_id"
                    )
                )
            )
            .exclude(pk=explainer.pk)
            .annotate(
                shared=shared(topic_links, "topic_id", own_topics)
                + shared(ExplainerSource.objects, "source_id", own_sources)
            )
            .order_by("-shared", "-publish_at", "-pk")
        )


class Explainer(models.Model):
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
    comments_open = models.BooleanField(
        _("comments open"), default=True, help_text=_("Untick to close comments on this explainer.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    # Derived on write (see refresh_derived): folded text for search, and reading time.
    search_title = models.TextField(editable=False, default="")
    search_document = models.TextField(editable=False, default="")
    reading_minutes = models.PositiveIntegerField(
        _("reading time (minutes)"), default=0, editable=False
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
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.title, fallback="explainer")
        self.search_title = text.fold(self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("explainers:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.status == self.Status.PUBLISHED and not self.publish_at:
            raise ValidationError({"publish_at": _("A published explainer needs a publish time.")})

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def updated_at(self):
        """The time readers see as "updated": only after a significant update."""
        return self.significant_update_at

    @property
    def lastmod(self):
        return self.significant_update_at or self.first_published_at or self.publish_at

    def refresh_derived(self, save: bool = True):
        """Rebuild the search document and reading time from the explainer and its parts.

        Called after the parts change (admin save, services, demo loader, part signals).
        """
        key_points = list(self.key_points.values_list("text", flat=True))
        sections = list(self.sections.values_list("heading", "body_html"))
        source_titles = list(self.source_links.values_list("source__title", flat=True))
        section_text = [f"{h}\n{html.unescape(strip_tags(b))}" for h, b in sections]
        readable = "\n".join(
            [self.title, self.introduction, *key_points, *section_text, self.summary]
        )
        self.search_title = text.fold(self.title)
        self.search_document = text.fold(
            "\n".join(
                [
                    self.title,
                    self.introduction,
                    *key_points,
                    *section_text,
                    self.summary,
                    *source_titles,
                ]
            )
        )
        self.reading_minutes = text.reading_minutes(readable)
        if save and self.pk:
            Explainer.objects.filter(pk=self.pk).update(
                search_title=self.search_title,
                search_document=self.search_document,
                reading_minutes=self.reading_minutes,
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

    def __str__(self):
        return f"{self.explainer} ← {self.source}"


class KeyPoint(models.Model):
    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="key_points")
    text = models.CharField(_("key point"), max_length=500, help_text=_("One short statement."))
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)

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


class DetailSection(models.Model):
    explainer = models.ForeignKey(Explainer, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown: **bold**, *italic*, lists, links, > quotes, ## subheadings. No raw HTML."
        ),
    )
    body_html = models.TextField(editable=False, default="")
    figure_image = models.ImageField(_("figure image"), upload_to="figures/%Y/%m/", blank=True)
    figure_alt = models.CharField(
        _("alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it. Required with an image."),
    )
    figure_caption = models.CharField(_("caption"), max_length=300, blank=True)
    figure_credit = models.CharField(_("credit"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)

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
        self.body_html = markdown_to_html(self.body)
        super().save(*args, **kwargs)

    @property
    def anchor(self) -> str:
        """A stable fragment id for the table of contents (survives reordering and edits)."""
        return f"section-{self.pk}"

    def clean(self):
        if self.figure_image and not self.figure_alt.strip():
            raise ValidationError(
                {"figure_alt": _("Describe the image for readers who cannot see it.")}
            )


class Correction(models.Model):
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

    def get_absolute_url(self):
        return f"{self.explainer.get_absolute_url()}#correction-{self.pk}"
