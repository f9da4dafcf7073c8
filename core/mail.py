"""Every email the site writes: three templates rendered in the recipient's language, one
multipart message.

`<template>_subject.txt`, `<template>.txt` and `<template>.html` are rendered with the
site's name and address added to the context, the subject folded onto one line (a header
cannot hold a newline). With an `unsubscribe_url`, the message carries RFC 8058's one-click
List-Unsubscribe headers. The apps (comments, desk, explainers) build their context and
say who it goes to; this is the one place that turns that into a message.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def templated_email(
    template: str,
    context: dict,
    *,
    to: str,
    language: str,
    unsubscribe_url: str = "",
    headers: dict | None = None,
    reply_to=None,
) -> EmailMultiAlternatives:
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
        subject = render_to_string(f"{template}_subject.txt", context)
        text_body = render_to_string(f"{template}.txt", context)
        html_body = render_to_string(f"{template}.html", context)
    headers = dict(headers or {})
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text_body,
        to=[to],
        reply_to=reply_to,
        headers=headers,
    )
    message.attach_alternative(html_body, "text/html")
    return message
