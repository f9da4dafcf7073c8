"""Test data is made here, never in fixture files."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from comments import counters
from comments.privacy import guest_key
from explainers.models import (
    Correction,
    DetailSection,
    Explainer,
    ExplainerSource,
    KeyPoint,
    SourceArticle,
    Topic,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class SourceArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceArticle

    title = factory.Sequence(lambda n: f"Source article {n}")
    url = factory.Sequence(lambda n: f"https://news.example.com/articles/{n}")
    publisher = "Example News"
    published_on = datetime.date(2026, 11, 1)
    language = "en"


class ExplainerFactory(factory.django.DjangoModelFactory):
    """An explainer; pass key_points=N, sections=N, sources=N to give it parts.

    Like the admin and the services, it refreshes the derived data (search document,
    reading time) once, after every part is saved.
    """

    class Meta:
        model = Explainer
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Explainer number {n}")
    language = "en"
    introduction = "Why this matters to readers."
    summary = "What to remember."
    status = Explainer.Status.DRAFT

    class Params:
        published = factory.Trait(
            status=Explainer.Status.PUBLISHED,
            publish_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1)),
            first_published_at=factory.SelfAttribute("publish_at"),
        )

    @factory.post_generation
    def key_points(obj, create, extracted, **kwargs):
        for position in range(1, (extracted or 0) + 1):
            KeyPointFactory(explainer=obj, position=position, refresh=False)

    @factory.post_generation
    def sections(obj, create, extracted, **kwargs):
        for position in range(1, (extracted or 0) + 1):
            DetailSectionFactory(explainer=obj, position=position, refresh=False)

    @factory.post_generation
    def sources(obj, create, extracted, **kwargs):
        for position in range(1, (extracted or 0) + 1):
            ExplainerSourceFactory(explainer=obj, position=position, refresh=False)

    @factory.post_generation
    def refresh(obj, create, extracted, **kwargs):
        if create:
            obj.refresh_derived()


def refresh_parent(obj, create, extracted, **kwargs):
    """A part made on its own refreshes its explainer once (pass refresh=False to skip)."""
    if create and extracted is not False:
        obj.explainer.refresh_derived()


class KeyPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyPoint
        skip_postgeneration_save = True

    refresh = factory.PostGeneration(refresh_parent)

    explainer = factory.SubFactory(ExplainerFactory)
    text = factory.Sequence(lambda n: f"Key point {n}")
    position = factory.Sequence(lambda n: n + 1)


class DetailSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DetailSection
        skip_postgeneration_save = True

    refresh = factory.PostGeneration(refresh_parent)

    explainer = factory.SubFactory(ExplainerFactory)
    heading = factory.Sequence(lambda n: f"Section {n}")
    body = "Some **detail** with a [link](https://example.org/)."
    position = factory.Sequence(lambda n: n + 1)


class ExplainerSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExplainerSource
        skip_postgeneration_save = True

    refresh = factory.PostGeneration(refresh_parent)

    explainer = factory.SubFactory(ExplainerFactory)
    source = factory.SubFactory(SourceArticleFactory)
    position = factory.Sequence(lambda n: n + 1)


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    explainer = factory.SubFactory(ExplainerFactory)
    kind = Correction.Kind.CORRECTION
    note = "An earlier version gave the wrong date."
    significant = True


# --- Readers -----------------------------------------------------------------------------


class ReaderProfileFactory(factory.django.DjangoModelFactory):
    """A signed-in reader's profile (pass user=... to give an existing account one)."""

    class Meta:
        model = "readers.ReaderProfile"

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Reader {n}")


class AuthorProfileFactory(factory.django.DjangoModelFactory):
    """A newsroom member's public author page (pass user=... for an existing account)."""

    class Meta:
        model = "readers.AuthorProfile"

    user = factory.SubFactory(UserFactory, is_staff=True)
    name = factory.Sequence(lambda n: f"Author {n}")
    bio = "Covers the economy and the Bank of Japan."


# --- Comments ----------------------------------------------------------------------------


class CommentFactory(factory.django.DjangoModelFactory):
    """A guest's comment; approved unless told otherwise (pass status=... for others).

    Stored as `comment_submit` stores one: a comment readers may see is counted on its
    explainer (`comments.counters`), so lists and the thread show it.
    """

    class Meta:
        model = "comments.Comment"

    explainer = factory.SubFactory(ExplainerFactory, published=True)
    guest_name = factory.Sequence(lambda n: f"Reader {n}")
    guest_email = factory.Sequence(lambda n: f"reader{n}@example.net")
    # As comment_submit stores it: a guest's key from their email; none for an account.
    guest_key = factory.LazyAttribute(
        lambda o: "" if getattr(o, "user", None) else guest_key(o.guest_email)
    )
    body = factory.Sequence(lambda n: f"A thoughtful comment number {n} about the explainer.")
    status = "approved"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        comment = super()._create(model_class, *args, **kwargs)
        counters.comment_visibility_changed(
            comment, was_visible=False, is_visible=counters.is_visible(comment.status)
        )
        return comment


class ModerationActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "comments.ModerationAction"

    comment = factory.SubFactory(CommentFactory, status="pending")
    actor = factory.SubFactory(UserFactory)
    action = "approve"
    old_status = "pending"
    new_status = "approved"


class CommentReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "comments.CommentReport"

    comment = factory.SubFactory(CommentFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = "abusive"


class WordListEntryFactory(factory.django.DjangoModelFactory):
    """A word that holds comments for moderation (pass kind="block" to mark them as spam)."""

    class Meta:
        model = "comments.WordListEntry"

    word = factory.Sequence(lambda n: f"word{n}")
    kind = "hold"


# --- The desk ------------------------------------------------------------------------------


class CorrectionRequestFactory(factory.django.DjangoModelFactory):
    """A reader's correction request, open, from a guest without an email."""

    class Meta:
        model = "desk.CorrectionRequest"

    explainer = factory.SubFactory(ExplainerFactory, published=True)
    text = "The date in the second section is wrong: the vote was in March."
    language = "ja"
