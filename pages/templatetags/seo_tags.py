"""SEO and excerpt helpers for templates.

{% explainer_seo explainer as seo %}: the values templates/includes/explainer_seo.html prints.
{{ text|excerpt }}: the text on one line (Japanese lines joined without a space), trimmed.
{% language_versions as versions %}: this page in each interface language (hreflang links,
the language switcher).
"""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

from pages.seo import DESCRIPTION_LENGTH, absolute_url, explainer_meta
from pages.seo import excerpt as excerpt_of

register = template.Library()


@register.simple_tag
def explainer_seo(explainer):
    return explainer_meta(explainer)


@register.filter
def excerpt(text, length=DESCRIPTION_LENGTH):
    return excerpt_of(text or "", int(length))


@register.simple_tag(takes_context=True)
def language_versions(context):
    """This page's address in each interface language: `code`, `name_local`, `path`, `url`
    (absolute, on SITE_URL) and `current`, with the query string: on a shared page it holds
    only the parameters the page reads (core/page_cache.py drops the others)."""
    request = context.get("request")
    if request is None or not translation.get_language_from_path(request.path_info):
        return []
    current = translation.get_language()
    versions = []
    for code, _name in settings.LANGUAGES:
        path = translate_url(request.get_full_path(), code)
        info = translation.get_language_info(code)
        versions.append(
            {
                "code": code,
                "name_local": info["name_local"],
                "path": path,
                "url": absolute_url(path),
                "current": code == current,
            }
        )
    return versions
