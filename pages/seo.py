"""What search engines and link previews read about an explainer: canonical link, meta
description, OpenGraph/Twitter tags and schema.org `NewsArticle` JSON-LD.

Built from the explainer and the parts the detail view has already prefetched (sections,
source links with their sources, corrections, byline), so it adds no queries per page.
Editor text reaches the page only through autoescaped template variables or `json_ld()`,
which escapes `<`, `>` and `&` so a title containing `</script>` cannot end the script.
"""

import json

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from core import text as text_rules
from explainers.models import Explainer, canonical_path
from readers.models import NEWSROOM_NAME

DESCRIPTION_LENGTH = 160
OG_LOCALES = {"ja": "ja_JP", "en": "en_US"}

# The same escapes as Django's json_script: inside <script>, "<", ">" and "&" written as JSON
# unicode escapes still parse to the same string but can never form "</script>" or "<!--".
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    """An address on the public site (SITE_URL), whatever host the request came in on."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def iso(value) -> str | None:
    """ISO 8601 in the site's time zone (dates stay dates)."""
    if value is None:
        return None
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat()


def excerpt(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    """`text` on one line, trimmed to about `length` characters with an ellipsis."""
    return Truncator(text_rules.one_line(text)).chars(length)


def meta_description(explainer: Explainer, length: int = DESCRIPTION_LENGTH) -> str:
    """The introduction on one line, trimmed to about `length` characters with an ellipsis."""
    return excerpt(explainer.introduction, length)


def _author(explainer: Explainer) -> dict:
    name = explainer.byline_name  # readers.public_name(): never a login
    # Without a named editor (no byline, or staff with no public name) the newsroom itself is
    # the author.
    if not name or name == str(NEWSROOM_NAME):
        return _publisher()
    person = {"@type": "Person", "name": name}
    author = explainer.byline_author
    if author is not None:
        person["url"] = absolute_url(author_path(author, explainer.language))
    return person


def author_path(author, language: str) -> str:
    """An author page under `language`'s prefix (the explainer's, for its JSON-LD)."""
    return canonical_path(language, "explainers:author", slug=author.slug)


def share_image(explainer: Explainer) -> dict:
    """The image link previews show (og:image, JSON-LD image): the lead image, else the first
    section figure; its 1200×630 crop where renditions exist (core.images), else the
    original. {"url", "width", "height", "alt"}, or {} when the explainer has no image."""
    candidates = [(explainer.lead_picture, explainer.lead_image_alt)]
    candidates += [
        (section.figure_picture, section.figure_alt)
        for section in explainer.sections.all()
        if section.figure_image
    ]
    for picture, alt in candidates:
        if picture is None:
            continue
        if picture.og_url:
            return {
                "url": absolute_url(picture.og_url),
                "width": picture.og_width,
                "height": picture.og_height,
                "alt": alt,
            }
        return {"url": absolute_url(picture.url), "width": None, "height": None, "alt": alt}
    return {}


def figure_url(explainer: Explainer) -> str:
    """Absolute address of the image link previews show, or "" (see `share_image`)."""
    return share_image(explainer).get("url", "")


def _publisher() -> dict:
    return {"@type": "Organization", "name": settings.SITE_NAME, "url": f"{settings.SITE_URL}/"}


def _source_item(source) -> dict:
    item = {
        "@type": "NewsArticle",
        "name": source.title,
        "headline": source.title,
        "url": source.url,
        "publisher": {"@type": "Organization", "name": source.publisher},
        "datePublished": iso(source.published_on),
        "inLanguage": source.language,
    }
    if source.author:
        item["author"] = {"@type": "Person", "name": source.author}
    return item


def news_article(explainer: Explainer) -> dict:
    """schema.org NewsArticle for one explainer, citing its sources in order (`isBasedOn`)
    and listing its public corrections log (`correction`)."""
    canonical = absolute_url(explainer.canonical_path())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": explainer.title,
        "description": meta_description(explainer),
        "inLanguage": explainer.language,
        "url": canonical,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "datePublished": iso(explainer.first_published),
        "dateModified": iso(explainer.last_updated),
        "author": _author(explainer),
        "publisher": _publisher(),
        "isBasedOn": [_source_item(link.source) for link in explainer.source_links.all()],
    }
    keywords = [topic.name for topic in explainer.topics.all()]
    if keywords:
        data["keywords"] = keywords
    image = figure_url(explainer)
    if image:
        data["image"] = [image]
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": correction.note,
            "datePublished": iso(correction.created_at),
            "url": f"{canonical}#correction-{correction.pk}",
        }
        for correction in explainer.corrections.all()
    ]
    if corrections:
        data["correction"] = corrections
    return data


def json_ld(data: dict) -> SafeString:
    """JSON for a <script type="application/ld+json"> body that no text can break out of."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308 - escaped just above


def explainer_meta(explainer: Explainer) -> dict:
    """Everything templates/includes/explainer_seo.html prints for one explainer."""
    shared = share_image(explainer)
    image = shared.get("url", "")
    return {
        "canonical_url": absolute_url(explainer.canonical_path()),
        "description": meta_description(explainer),
        "title": explainer.title,
        "site_name": settings.SITE_NAME,
        "og_locale": OG_LOCALES.get(explainer.language, "en_US"),
        "published_time": iso(explainer.first_published),
        "modified_time": iso(explainer.last_updated),
        "author": explainer.byline_name,
        "tags": [topic.name for topic in explainer.topics.all()],
        "image": image,
        "image_width": shared.get("width"),
        "image_height": shared.get("height"),
        "image_alt": shared.get("alt", ""),
        "twitter_card": "summary_large_image" if image else "summary",
        "json_ld": json_ld(news_article(explainer)),
    }
