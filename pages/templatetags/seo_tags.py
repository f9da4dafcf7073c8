"""SEO and excerpt helpers for templates.

{% explainer_seo explainer as seo %}: the values templates/includes/explainer_seo.html prints.
{{ text|excerpt }}: the text on one line (Japanese lines joined without a space), trimmed.
"""

from django import template

from pages.seo import DESCRIPTION_LENGTH, explainer_meta
from pages.seo import excerpt as excerpt_of

register = template.Library()


@register.simple_tag
def explainer_seo(explainer):
    return explainer_meta(explainer)


@register.filter
def excerpt(text, length=DESCRIPTION_LENGTH):
    return excerpt_of(text or "", int(length))
