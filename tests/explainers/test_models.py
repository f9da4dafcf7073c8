"""Explainer models: the database guards the data, clean() explains it to editors, and derived
values are computed on write."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone

from explainers.models import (
    Correction,
    DetailSection,
    Explainer,
    ExplainerSource,
    KeyPoint,
    SourceArticle,
    Topic,
)
from tests.factories import (
    CorrectionFactory,
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    KeyPointFactory,
    SourceArticleFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


# Constraints through full_clean(): editors get a readable message.


def test_full_clean_rejects_a_duplicate_source_url():
    existing = SourceArticleFactory()
    duplicate = SourceArticle(
        title="Another title",
        url=existing.url,
        publisher="Other",
        published_on=datetime.date(2026, 1, 1),
        language="en",
    )
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "url" in error_fields(excinfo)


def test_full_clean_rejects_a_duplicate_slug():
    ExplainerFactory(slug="same-slug")
    duplicate = ExplainerFactory.build(slug="same-slug")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "slug" in error_fields(excinfo)


def test_full_clean_rejects_a_second_key_point_at_the_same_position():
    point = KeyPointFactory(position=1)
    clash = KeyPoint(explainer=point.explainer, text="Another", position=1)
    with pytest.raises(ValidationError) as excinfo:
        clash.full_clean()
    assert "__all__" in error_fields(excinfo)


def test_full_clean_allows_the_same_position_in_another_explainer():
    KeyPointFactory(position=1)
    other = KeyPoint(explainer=ExplainerFactory(), text="Fine", position=1)
    other.full_clean()
    other.save()
    assert KeyPoint.objects.filter(position=1).count() == 2


def test_full_clean_rejects_a_second_section_at_the_same_position():
    section = DetailSectionFactory(position=2)
    clash = DetailSection(explainer=section.explainer, heading="H", body="B", position=2)
    with pytest.raises(ValidationError) as excinfo:
        clash.full_clean()
    assert "__all__" in error_fields(excinfo)


def test_full_clean_rejects_a_second_source_at_the_same_position():
    link = ExplainerSourceFactory(position=1)
    clash = ExplainerSource(explainer=link.explainer, source=SourceArticleFactory(), position=1)
    with pytest.raises(ValidationError) as excinfo:
        clash.full_clean()
    assert "__all__" in error_fields(excinfo)


def test_full_clean_rejects_citing_the_same_source_twice():
    link = ExplainerSourceFactory(position=1)
    clash = ExplainerSource(explainer=link.explainer, source=link.source, position=2)
    with pytest.raises(ValidationError) as excinfo:
        clash.full_clean()
    assert "__all__" in error_fields(excinfo)


def test_full_clean_rejects_an_unknown_status():
    explainer = ExplainerFactory.build(status="live")
    with pytest.raises(ValidationError) as excinfo:
        explainer.full_clean()
    assert "status" in error_fields(excinfo)


def test_full_clean_rejects_an_unknown_language():
    explainer = ExplainerFactory.build(language="fr", slug="x")
    with pytest.raises(ValidationError) as excinfo:
        explainer.full_clean()
    assert "language" in error_fields(excinfo)


def test_full_clean_requires_a_publish_time_for_a_published_explainer():
    explainer = ExplainerFactory.build(status=Explainer.Status.PUBLISHED, publish_at=None, slug="x")
    with pytest.raises(ValidationError) as excinfo:
        explainer.full_clean()
    assert excinfo.value.message_dict["publish_at"] == [
        "A published explainer needs a publish time."
    ]


def test_full_clean_accepts_a_draft_without_a_publish_time():
    draft = ExplainerFactory.build(status=Explainer.Status.DRAFT, publish_at=None, slug="x")
    draft.full_clean()
    draft.save()
    assert Explainer.objects.get(slug="x").publish_at is None


def test_full_clean_requires_alt_text_with_a_figure_image():
    section = DetailSectionFactory.build(
        explainer=ExplainerFactory(), figure_image="figures/chart.png", figure_alt="  "
    )
    with pytest.raises(ValidationError) as excinfo:
        section.full_clean()
    assert "figure_alt" in error_fields(excinfo)


def test_full_clean_accepts_a_figure_image_with_alt_text():
    section = DetailSectionFactory.build(
        explainer=ExplainerFactory(), figure_image="figures/chart.png", figure_alt="A chart"
    )
    section.full_clean()
    section.save()
    assert DetailSection.objects.get(pk=section.pk).figure_alt == "A chart"


# The same rules at the database level, for writes that skip validation.


def assert_integrity_error(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_database_rejects_a_duplicate_source_url():
    existing = SourceArticleFactory()
    assert_integrity_error(lambda: SourceArticleFactory(url=existing.url))


def test_database_rejects_a_duplicate_slug():
    ExplainerFactory(slug="same-slug")
    assert_integrity_error(lambda: ExplainerFactory(slug="same-slug"))


def test_database_rejects_duplicate_key_point_positions():
    point = KeyPointFactory(position=1)
    assert_integrity_error(lambda: KeyPointFactory(explainer=point.explainer, position=1))


def test_database_rejects_duplicate_section_positions():
    section = DetailSectionFactory(position=1)
    assert_integrity_error(lambda: DetailSectionFactory(explainer=section.explainer, position=1))


def test_database_rejects_duplicate_source_positions():
    link = ExplainerSourceFactory(position=1)
    assert_integrity_error(lambda: ExplainerSourceFactory(explainer=link.explainer, position=1))


def test_database_rejects_an_unknown_status():
    explainer = ExplainerFactory()
    assert_integrity_error(lambda: Explainer.objects.filter(pk=explainer.pk).update(status="live"))


def test_database_rejects_an_unknown_language():
    explainer = ExplainerFactory()
    assert_integrity_error(lambda: Explainer.objects.filter(pk=explainer.pk).update(language="fr"))


def test_database_rejects_a_published_explainer_without_a_publish_time():
    explainer = ExplainerFactory(published=True)
    assert_integrity_error(
        lambda: Explainer.objects.filter(pk=explainer.pk).update(publish_at=None)
    )


def test_database_rejects_a_figure_image_without_alt_text():
    explainer = ExplainerFactory()
    assert_integrity_error(
        lambda: DetailSectionFactory(
            explainer=explainer, figure_image="figures/chart.png", figure_alt=""
        )
    )


def test_database_rejects_an_unknown_correction_kind():
    correction = CorrectionFactory()
    assert_integrity_error(lambda: Correction.objects.filter(pk=correction.pk).update(kind="oops"))


# "Visible to readers" has one definition.


def test_published_includes_an_explainer_whose_time_has_come():
    explainer = ExplainerFactory(
        status=Explainer.Status.PUBLISHED, publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert list(Explainer.objects.published()) == [explainer]
    assert explainer.is_published


def test_published_excludes_a_scheduled_explainer_until_its_time():
    publish_at = timezone.now() + datetime.timedelta(days=1)
    explainer = ExplainerFactory(status=Explainer.Status.PUBLISHED, publish_at=publish_at)
    assert list(Explainer.objects.published()) == []
    assert not explainer.is_published
    later = publish_at + datetime.timedelta(seconds=1)
    assert list(Explainer.objects.published(now=later)) == [explainer]


@pytest.mark.parametrize(
    "status", [Explainer.Status.DRAFT, Explainer.Status.REVIEW, Explainer.Status.ARCHIVED]
)
def test_published_excludes_unpublished_statuses_even_with_a_past_time(status):
    ExplainerFactory(status=status, publish_at=timezone.now() - datetime.timedelta(days=1))
    assert not Explainer.objects.published().exists()


# Slugs: readable ASCII for any title.


def test_japanese_title_gets_a_readable_ascii_slug():
    explainer = ExplainerFactory(title="東京都、新しい条例を可決", slug="")
    assert explainer.slug == "toukyouto-atarashii-jourei-wo-kaketsu"
    assert explainer.slug.isascii()
    validate_slug(explainer.slug)


def test_mixed_japanese_and_latin_title_keeps_the_latin_words():
    explainer = ExplainerFactory(title="AIと雇用の未来", slug="")
    assert explainer.slug == "ai-to-koyou-no-mirai"


def test_colliding_titles_get_numbered_slugs():
    first = ExplainerFactory(title="洋上風力発電", slug="")
    second = ExplainerFactory(title="洋上風力発電", slug="")
    third = ExplainerFactory(title="洋上風力発電", slug="")
    assert (first.slug, second.slug, third.slug) == (
        "youjou-fuuryokuhatsuden",
        "youjou-fuuryokuhatsuden-2",
        "youjou-fuuryokuhatsuden-3",
    )


def test_a_longer_slug_with_the_same_prefix_is_not_a_collision():
    ExplainerFactory(slug="energy-prices")
    assert ExplainerFactory(title="Energy", slug="").slug == "energy"


@pytest.mark.parametrize("title", ["", "！？…「」", "---"])
def test_title_with_nothing_sluggable_still_gets_a_valid_slug(title):
    explainer = ExplainerFactory(title=title, slug="")
    assert explainer.slug == "explainer"
    validate_slug(explainer.slug)


def test_a_very_long_title_gets_a_slug_that_fits_the_field():
    title_field = Explainer._meta.get_field("title")
    explainer = ExplainerFactory(title="長い題名" * (title_field.max_length // 4), slug="")
    assert 0 < len(explainer.slug) <= Explainer._meta.get_field("slug").max_length
    validate_slug(explainer.slug)


def test_an_existing_slug_is_kept_when_the_title_changes():
    explainer = ExplainerFactory(title="First title", slug="")
    explainer.title = "Second title"
    explainer.save()
    assert explainer.slug == "first-title"


# Derived values, computed on write.


def test_section_body_html_is_derived_from_markdown_on_save():
    section = DetailSectionFactory(body="## 背景\n\n**大事な**点と <script>alert(1)</script>")
    assert "<h2>背景</h2>" in section.body_html
    assert "<strong>大事な</strong>" in section.body_html
    assert "<script" not in section.body_html
    section.body = "*changed*"
    section.save()
    section.refresh_from_db()
    assert section.body_html.strip() == "<p><em>changed</em></p>"


def test_search_document_holds_folded_text_of_every_part():
    explainer = ExplainerFactory(title="ＡＩ Explained", introduction="Intro TEXT")
    KeyPointFactory(explainer=explainer, text="ｷｰﾎﾟｲﾝﾄ Alpha")
    DetailSectionFactory(explainer=explainer, heading="Section HEADING", body="Body **Beta**")
    ExplainerSourceFactory(explainer=explainer, source=SourceArticleFactory(title="Source GAMMA"))
    explainer.refresh_derived()
    explainer.refresh_from_db()
    document = explainer.search_document
    for expected in ("ai explained", "intro text", "キーポイント alpha", "section heading"):
        assert expected in document
    assert "body beta" in document  # Markdown and HTML are gone, the words remain
    assert "source gamma" in document
    assert explainer.search_title == "ai explained"


def test_refresh_derived_sets_reading_minutes_from_all_parts(settings):
    settings.KAISETSU_READING_WPM_EN = 230
    explainer = ExplainerFactory(title="T", introduction="word " * 200, summary="s")
    assert explainer.reading_minutes == 1
    DetailSectionFactory(explainer=explainer, heading="H", body="word " * 300)
    explainer.refresh_derived()
    explainer.refresh_from_db()
    assert explainer.reading_minutes == 3  # ~503 words at 230 a minute


def test_parts_keep_the_search_document_current_when_they_change():
    explainer = ExplainerFactory()
    point = KeyPointFactory(explainer=explainer, text="Original wording")
    explainer.refresh_from_db()
    assert "original wording" in explainer.search_document
    point.text = "Revised wording"
    point.save()
    explainer.refresh_from_db()
    assert "revised wording" in explainer.search_document
    assert "original wording" not in explainer.search_document


# __str__ and addresses.


def test_string_representations():
    editor = UserFactory()
    explainer = ExplainerFactory(title="Why wind", byline=editor)
    source = SourceArticleFactory(title="Wind story", publisher="Example Times")
    assert str(explainer) == "Why wind"
    assert str(source) == "Wind story (Example Times)"
    assert str(TopicFactory(name="Energy")) == "Energy"
    assert str(KeyPointFactory(explainer=explainer, text="A point")) == "A point"
    assert str(DetailSectionFactory(explainer=explainer, heading="A heading")) == "A heading"
    link = ExplainerSourceFactory(explainer=explainer, source=source)
    assert str(link) == "Why wind ← Wind story (Example Times)"
    correction = CorrectionFactory(explainer=explainer, kind=Correction.Kind.CLARIFICATION)
    assert str(correction) == "Clarification: Why wind"


def test_absolute_urls():
    explainer = ExplainerFactory(slug="why-wind")
    topic = TopicFactory(slug="energy")
    source = SourceArticleFactory()
    correction = CorrectionFactory(explainer=explainer)
    assert explainer.get_absolute_url() == "/explainers/why-wind/"
    assert topic.get_absolute_url() == "/topics/energy/"
    assert source.get_absolute_url() == f"/sources/{source.pk}/"
    assert correction.get_absolute_url() == f"/explainers/why-wind/#correction-{correction.pk}"


def test_section_anchor_is_stable_across_reordering():
    section = DetailSectionFactory(position=1)
    anchor = section.anchor
    section.position = 5
    section.save()
    assert section.anchor == anchor == f"section-{section.pk}"


def test_topic_name_and_slug_are_unique():
    TopicFactory(name="Energy", slug="energy")
    with pytest.raises(ValidationError) as excinfo:
        Topic(name="Energy", slug="energy").full_clean()
    assert error_fields(excinfo) == {"name", "slug"}


# Roles: groups from the data migration (explainers/migrations/0002_roles.py).

CONTENT_MODELS = [
    "explainer",
    "explainersource",
    "keypoint",
    "detailsection",
    "correction",
    "sourcearticle",
    "topic",
]


def explainer_codenames(group: str) -> set[str]:
    return set(
        Group.objects.get(name=group)
        .permissions.filter(content_type__app_label="explainers")
        .values_list("codename", flat=True)
    )


def test_editors_may_edit_every_part_and_publish():
    expected = {
        f"{action}_{model}"
        for model in CONTENT_MODELS
        for action in ("add", "change", "delete", "view")
    }
    assert explainer_codenames("Editors") == expected | {"publish_explainer"}


def test_contributors_may_write_but_not_publish_or_delete():
    codenames = explainer_codenames("Contributors")
    assert {"add_explainer", "change_explainer", "change_keypoint"} <= codenames
    assert "publish_explainer" not in codenames
    assert not {name for name in codenames if name.startswith("delete_")}


def test_moderators_may_read_explainers_but_not_edit_them():
    assert explainer_codenames("Moderators") == {"view_explainer"}


def test_the_publish_permission_is_given_only_through_the_editors_group():
    editor, writer = UserFactory(), UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    writer.groups.add(Group.objects.get(name="Contributors"))
    assert editor.has_perm("explainers.publish_explainer")
    assert not writer.has_perm("explainers.publish_explainer")


def test_a_topic_without_a_slug_gets_a_readable_unique_one_wherever_it_is_saved():
    first = Topic.objects.create(name="経済")
    TopicFactory(slug="keizai-2")
    second = Topic.objects.create(name="経済 ", description="Same reading, another topic")
    assert first.slug == "keizai"
    assert second.slug == "keizai-3"
