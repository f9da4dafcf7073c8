"""{% explainer_seo explainer as seo %}: SEO values for templates/includes/explainer_seo.html."""

from django import template

from explainers.seo import explainer_meta

register = template.Library()


@register.simple_tag
def explainer_seo(explainer):
    return explainer_meta(explainer)
