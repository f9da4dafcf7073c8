"""The reader's doors into the desk: the "Suggest a correction" form and the link that
confirms their email.

The explainer page is shared by every anonymous reader (core/page_cache.py), so it only links
here: these pages are never cached. A request is stored whatever the explainer's comment mode
(a mistake is worth hearing about even where discussion is closed), and is never shown to
readers.
"""

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from comments.flood import FloodLimitExceeded
from core.addresses import client_ip
from explainers.models import Explainer

from . import notifications, services
from .forms import CorrectionRequestForm


def _explainer_or_404(slug):
    return get_object_or_404(Explainer.objects.published(), slug=slug)


@never_cache
@require_http_methods(["GET", "POST"])
def correction_request_post(request, slug):
    """Show the form; on POST store the request and say thank you (on a page of its own)."""
    explainer = _explainer_or_404(slug)
    user = request.user if request.user.is_authenticated else None
    context = {"explainer": explainer}
    if request.method == "GET":
        context["form"] = CorrectionRequestForm(explainer=explainer, user=user)
        return render(request, "desk/correction_request_form.html", context)

    form = CorrectionRequestForm(request.POST, explainer=explainer, user=user)
    context["form"] = form
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.correction_request_submit(
                explainer=explainer,
                text=data["text"],
                source_url=data.get("source_url", ""),
                email=data.get("email", ""),
                user=user,
                language=get_language() or explainer.language,
                ip_address=client_ip(request),
                honeypot=data.get("website", ""),
                issued_at=form.issued_at,
            )
        except FloodLimitExceeded as error:
            form.add_error(None, str(error))
            status = 429
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            # Spam is thanked the same: a bot learns nothing from the answer.
            return HttpResponseRedirect(reverse("desk:suggest_thanks", args=[explainer.slug]))
    return render(request, "desk/correction_request_form.html", context, status=status)


@never_cache
@require_safe
def correction_request_thanks(request, slug):
    explainer = _explainer_or_404(slug)
    return render(request, "desk/correction_request_thanks.html", {"explainer": explainer})


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def correction_request_confirm(request, token):
    """The link in the confirmation email: GET asks, POST confirms (so a mail scanner that
    follows links confirms nothing). The signed token is the only credential and can do only
    this, hence no CSRF token."""
    try:
        request_id, email = notifications.read_confirm_token(token)
    except signing.BadSignature:
        request_id = None
    context = {"token": token}
    if request_id is None:
        context["invalid"] = True
        return render(request, "desk/confirm.html", context, status=400)
    if request.method == "POST":
        done = services.correction_request_email_confirm(request_id=request_id, email=email)
        context["done" if done else "invalid"] = True
        return render(request, "desk/confirm.html", context, status=200 if done else 400)
    return render(request, "desk/confirm.html", context)
