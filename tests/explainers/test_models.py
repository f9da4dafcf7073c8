"""Explainer models: the database guards the data, clean() explains it to editors, and derived
values are computed on write."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone

from explainers import models as explainer_models
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


def test_a_slug_taken_between_the_check_and_the_insert_is_retried():
    """Two saves of the same title at once: the second insert loses the race, and is retried
    with the next free slug instead of a 500."""
    first = ExplainerFactory(title="Same title")
    assert first.slug == "same-title"
    real = explainer_models.unique_slug
    answers = iter(["same-title"])  # what the check saw before the other row was inserted

    def racing_unique_slug(*args, **kwargs):
        return next(answers, None) or real(*args, **kwargs)

    with mock.patch.object(explainer_models, "unique_slug", side_effect=racing_unique_slug):
        second = ExplainerFactory(title="Same title")
    assert second.slug == "same-title-2"
    assert Explainer.objects.filter(slug__startswith="same-title").count() == 2


def test_a_topic_slug_taken_between_the_check_and_the_insert_is_retried():
    TopicFactory(name="Energy", slug="energy")
    real = explainer_models.unique_slug
    answers = iter(["energy"])

    def racing_unique_slug(*args, **kwargs):
        return next(answers, None) or real(*args, **kwargs)

    with mock.patch.object(explainer_models, "unique_slug", side_effect=racing_unique_slug):
        topic = Topic(name="ENERGY!")
        topic.save()
    assert topic.slug == "energy-2"


def test_a_slug_the_editor_chose_is_not_silently_changed():
    ExplainerFactory(title="Taken", slug="taken")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExplainerFactory(title="Other", slug="taken")


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


def test_the_search_index_holds_folded_text_of_every_part():
    explainer = ExplainerFactory(title="ＡＩ Explained", introduction="Intro TEXT")
    KeyPointFactory(explainer=explainer, text="ｷｰﾎﾟｲﾝﾄ Alpha")
    DetailSectionFactory(explainer=explainer, heading="Section HEADING", body="Body **Beta**")
    ExplainerSourceFactory(explainer=explainer, source=SourceArticleFactory(title="Source GAMMA"))
    explainer.refresh_derived()
    explainer.refresh_from_db()
    for expected in ("ai explained", "intro text", "キーポイント alpha", "section heading"):
        assert explainer in Explainer.objects.search(f'"{expected}"')
    assert explainer in Explainer.objects.search('"body beta"')  # Markdown gone, words remain
    assert "Body Beta" in explainer.search_text  # what snippets are cut from
    assert explainer in Explainer.objects.search('"source gamma"')


def test_refresh_derived_sets_reading_minutes_from_all_parts(settings):
    settings.KAISETSU_READING_WPM_EN = 230
    explainer = ExplainerFactory(title="T", introduction="word " * 200, summary="s")
    assert explainer.reading_minutes == 1
    DetailSectionFactory(explainer=explainer, heading="H", body="word " * 300)
    explainer.refresh_derived()
    explainer.refresh_from_db()
    assert explainer.reading_minutes == 3  # ~503 words at 230 a minute


def test_one_refresh_after_a_part_changes_keeps_the_search_index_current():
    explainer = ExplainerFactory()
    point = KeyPointFactory(explainer=explainer, text="Original wording")
    explainer.refresh_from_db()
    assert explainer in Explainer.objects.search("original wording")
    point.text = "Revised wording"
    point.save()
    explainer.refresh_derived()
    explainer.refresh_from_db()
    assert explainer in Explainer.objects.search("revised wording")
    assert explainer not in Explainer.objects.search("original")
    assert "Revised wording" in explainer.search_text


@pytest.fixture
def refresh_spy():
    """Counts Explainer.refresh_derived calls, letting each one run."""
    with mock.patch.object(
        Explainer, "refresh_derived", autospec=True, side_effect=Explainer.refresh_derived
    ) as spy:
        yield spy


def test_an_explainer_made_with_13_parts_is_refreshed_once(refresh_spy):
    explainer = ExplainerFactory(title="Thirteen parts", key_points=5, sections=4, sources=4)
    assert refresh_spy.call_count == 1
    explainer.refresh_from_db()
    points = [p.text for p in explainer.key_points.all()]
    headings = [s.heading for s in explainer.sections.all()]
    titles = [link.source.title for link in explainer.source_links.all()]
    assert len(points) + len(headings) + len(titles) == 13
    for expected in ["Thirteen parts", *points, *headings, *titles]:
        assert explainer in Explainer.objects.search(f'"{expected}"')


def test_saving_parts_alone_does_not_refresh_the_explainer(refresh_spy):
    explainer = ExplainerFactory()
    refresh_spy.reset_mock()
    KeyPoint.objects.create(explainer=explainer, text="Saved alone", position=1)
    DetailSection.objects.create(explainer=explainer, heading="H", body="B", position=1)
    explainer.title = "Retitled"
    explainer.save()
    assert refresh_spy.call_count == 0  # the caller that saved them refreshes, once


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
    # Under the reader's language (English here); canonical: under the content's own.
    assert explainer.get_absolute_url() == "/en/explainers/why-wind/"
    assert topic.get_absolute_url() == "/en/topics/energy/"
    assert source.get_absolute_url() == f"/en/sources/{source.pk}/"
    assert correction.get_absolute_url() == f"/en/explainers/why-wind/#correction-{correction.pk}"
    explainer.language = source.language = "ja"
    assert explainer.canonical_path() == "/ja/explainers/why-wind/"
    assert source.canonical_path() == f"/ja/sources/{source.pk}/"


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
    assert explainer_codenames("Editors") == expected | {
        "publish_explainer",
        "change_comment_settings",
    }


def test_contributors_may_write_but_not_publish_or_delete():
    codenames = explainer_codenames("Contributors")
    assert {"add_explainer", "change_explainer", "change_keypoint"} <= codenames
    assert "publish_explainer" not in codenames
    assert not {name for name in codenames if name.startswith("delete_")}


def test_moderators_may_read_explainers_but_not_edit_them():
    # Moderators open and close comments (explainers.0003), but change no explainer text.
    assert explainer_codenames("Moderators") == {"view_explainer", "change_comment_settings"}


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


# Editor text: the same control-character rule as reader text (core.text.clean_text).


def test_full_clean_then_save_stores_explainer_text_without_control_characters():
    explainer = Explainer(
        title="Tax\x00 reform\x01",
        slug="tax-reform",
        introduction="First line\nSecond\tline\x0b",
        summary="Sum\u202emary",
    )
    explainer.full_clean()
    explainer.save()
    explainer.refresh_from_db()
    assert explainer.title == "Tax reform"
    assert explainer.introduction == "First line\nSecond\tline"  # newline and tab kept
    assert explainer.summary == "Summary"


def test_every_part_is_cleaned_on_full_clean_and_save():
    explainer = ExplainerFactory()
    point = KeyPoint(explainer=explainer, text="Point\x0b one\x00", position=1)
    section = DetailSection(
        explainer=explainer,
        heading="Head\x01ing",
        body="Body\x00 text\n\nmore",
        figure_caption="Cap\x02tion",
        figure_credit="Cre\x03dit",
        position=1,
    )
    source = SourceArticle(
        title="Ti\x00tle",
        url="https://news.example.com/x",
        publisher="Pub\x01lisher",
        author="Au\x0bthor",
        published_on=datetime.date(2026, 11, 1),
    )
    topic = Topic(name="To\x00pic", slug="topic-x", description="De\x01scription")
    for obj in (point, section, source, topic):
        obj.full_clean()
        obj.save()
        obj.refresh_from_db()
    correction = Correction(explainer=explainer, note="No\x00te\nline two")
    correction.full_clean()
    correction.save()
    correction.refresh_from_db()
    assert point.text == "Point one"
    assert (section.heading, section.body) == ("Heading", "Body text\n\nmore")
    assert "\x00" not in section.body_html
    assert (section.figure_caption, section.figure_credit) == ("Caption", "Credit")
    assert (source.title, source.publisher, source.author) == ("Title", "Publisher", "Author")
    assert (topic.name, topic.description) == ("Topic", "Description")
    assert correction.note == "Note\nline two"


def test_save_without_full_clean_still_stores_clean_text():
    explainer = ExplainerFactory(title="Saved\x00 directly")
    point = KeyPointFactory(explainer=explainer, text="Vertical\x0b tab")
    explainer.refresh_from_db()
    point.refresh_from_db()
    assert explainer.title == "Saved directly"
    assert point.text == "Vertical tab"


def test_a_title_of_only_control_characters_is_refused_as_blank():
    explainer = ExplainerFactory.build(title="\x01\x02", slug="only-controls")
    with pytest.raises(ValidationError) as error:
        explainer.full_clean()
    assert "title" in error.value.message_dict
