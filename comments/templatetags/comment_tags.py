"""Template tags for the explainer page's comments (the page has no comment context of its own:
the explainer view belongs to the reader pages and stays unaware of comments)."""

from django import template

from .. import services, threads

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_thread(context, explainer):
    """The page of approved threads the request asks for (`?cpage=`), with replies."""
    request = context.get("request")
    page_number = request.GET.get("cpage", 1) if request is not None else 1
    return threads.thread_page(explainer=explainer, page_number=page_number)


@register.simple_tag
def comments_closed_reason(explainer):
    """Why comments are closed on the explainer, or "" when they are open."""
    return services.closed_reason(explainer) or ""
