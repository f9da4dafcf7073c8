"""People: a reader's profile and the one rule for the name the public sees.

This app sits low in the layers (it depends only on `core`): explainers show bylines and
comments show authors, and both ask `public_name()` here. A login name is never shown.
"""

import itertools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import images
from core.text import clean_name, clean_text, slug_base

# What readers see where a staff member has no public name of their own.
NEWSROOM_NAME = _("The newsroom")


def public_name(user) -> str:
    """The one rule for the name readers see for a person: bylines, comment authors, feeds,
    JSON-LD, emails and allauth's pages all ask here.

    A chosen display name first, then the person's full name. A login name is never shown:
    allauth makes usernames from the local part of an email address, and a staff login is
    nobody's business. Without either, a reader is "Reader" and staff are the newsroom.
    """
    if user is None:
        return str(NEWSROOM_NAME)
    try:
        display_name = user.reader_profile.display_name
    except ReaderProfile.DoesNotExist:
        display_name = ""
    name = display_name or user.get_full_name().strip()
    if name:
        return name
    return str(NEWSROOM_NAME if user.is_staff else _("Reader"))


def author_profile_of(user):
    """The person's public author profile, or None (no author page: the byline links nowhere).
    Read through `select_related("…__author_profile")` it costs no query either way."""
    if user is None:
        return None
    try:
        return user.author_profile
    except AuthorProfile.DoesNotExist:
        return None


def byline_name(user) -> str:
    """The name on a byline: the author profile's name, else the newsroom. A byline names a
    person only when they keep a public author profile (with its page); never a login."""
    profile = author_profile_of(user)
    return profile.name if profile is not None else str(NEWSROOM_NAME)


class ReaderProfile(models.Model):
    """What a signed-in reader chooses for themselves: their public name, emails, language,
    and the moderators' trust decision about them."""

    class Trust(models.TextChoices):
        AUTO = "auto", _("By the rule (approved comments, no recent rejection)")
        GRANTED = "granted", _("Granted by a moderator")
        REVOKED = "revoked", _("Revoked by a moderator")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reader_profile",
        verbose_name=_("account"),
    )
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("Shown with the reader's comments instead of their email address."),
    )
    notify_replies = models.BooleanField(
        _("email me when someone replies"),
        default=False,
        help_text=_("An email when a reply to one of the reader's comments is published."),
    )
    notify_decisions = models.BooleanField(
        _("email me about moderation decisions"),
        default=False,
        help_text=_("An email when a moderator publishes or rejects one of the reader's comments."),
    )
    notify_digest = models.BooleanField(
        _("email moderators the daily queue digest"),
        default=True,
        help_text=_("Moderators only: the morning summary of comments waiting in the queue."),
    )
    language = models.CharField(
        _("email language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of emails to this reader; empty means the site's default."),
    )
    trust = models.CharField(
        _("trust"),
        max_length=10,
        choices=Trust.choices,
        default=Trust.AUTO,
        help_text=_(
            "Trusted readers' comments are published at once (links and hold words still "
            "hold them). Change it from the reader's history page so the log records it."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("reader profile")
        verbose_name_plural = _("reader profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(trust__in=["auto", "granted", "revoked"]),
                name="readerprofile_trust_valid",
            ),
        ]

    def __str__(self):
        return self.display_name or str(self.user)

    def save(self, *args, **kwargs):
        self.display_name = clean_name(self.display_name)
        super().save(*args, **kwargs)

    def clean(self):
        # At the model, whatever door (the reader's page, the admin): a name with nothing
        # visible in it, or control characters, is no name.
        self.display_name = clean_name(self.display_name)

    def email_language(self) -> str:
        return self.language or settings.LANGUAGE_CODE


class AuthorProfile(models.Model):
    """A newsroom member's public author page (`/<lang>/authors/<slug>/`): the name on their
    bylines, a short bio and a portrait. Only people with one have an author page; each
    edits their own in the admin (`readers.services.author_profile_may_edit`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="author_profile",
        verbose_name=_("account"),
    )
    name = models.CharField(
        _("name"),
        max_length=80,
        help_text=_("Your name as readers see it on your bylines and your author page."),
    )
    slug = models.SlugField(
        _("address"),
        max_length=90,
        unique=True,
        blank=True,
        help_text=_("The end of your author page's address; left empty, it is made from the name."),
    )
    bio = models.TextField(
        _("short bio"),
        max_length=600,
        blank=True,
        help_text=_("A few sentences about you and what you cover, shown on your author page."),
    )
    portrait = models.ImageField(
        _("portrait"),
        upload_to="authors/",
        width_field="portrait_width",
        height_field="portrait_height",
        blank=True,
        validators=[images.validate_image_upload],
        help_text=_("Optional. A square photo works best."),
    )
    portrait_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    portrait_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Derived on save (readers.services.author_profile_save, by core.images): widths for
    # srcset, WebP beside the original, with their dimensions; {} without a portrait.
    portrait_renditions = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("author profile")
        verbose_name_plural = _("author profiles")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = clean_name(self.name)
        self.bio = clean_text(self.bio)  # editor text: the control-character rule
        if not self.slug:
            self.slug = self.unique_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("explainers:author", kwargs={"slug": self.slug})

    def clean(self):
        self.name = clean_name(self.name)
        if not self.name:
            raise ValidationError({"name": _("Enter the name readers should see.")})

    def unique_slug(self) -> str:
        """A readable slug from the name (Japanese romanised), -2, -3… on a clash."""
        base = slug_base(self.name, max_length=80) or "author"
        taken = set(
            AuthorProfile.objects.exclude(pk=self.pk)
            .filter(slug__startswith=base)
            .values_list("slug", flat=True)
        )
        candidates = itertools.chain([base], (f"{base}-{n}" for n in itertools.count(2)))
        return next(candidate for candidate in candidates if candidate not in taken)
