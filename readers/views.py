"""A signed-in reader's own pages: the account page, data export, account deletion; the
one-click unsubscribe link from emails. ("My comments", at /accounts/comments/, is the
comments app's.)

Sign-up, sign-in, verification and password pages are allauth's (at /accounts/ too), styled
by the templates in templates/allauth/ and templates/account/. Every page here is personal,
so none is cached.
"""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from . import privacy, services
from . import unsubscribe as unsubscribe_links
from .forms import AccountDeleteForm, ReaderProfileForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The account page: display name, email language, which emails to receive."""
    profile = services.reader_profile_get(user=request.user)
    form = ReaderProfileForm(request.POST or None, instance=profile)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.reader_profile_update(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your settings are saved."))
            return HttpResponseRedirect(reverse("reader:profile"))
        status = 400
    return render(request, "comments/account/profile.html", {"form": form}, status=status)


@never_cache
@login_required
@require_safe
def data_export(request):
    """The reader's data as a JSON download."""
    data = privacy.reader_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    filename = f"kaisetsu-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """GET: what deleting means, and the form. POST (password + tick): delete and sign out."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            user = request.user
            try:
                privacy.reader_account_delete(user=user)
            except privacy.AccountKept as kept:
                # Nothing changed: the reader stays signed in and is told why.
                context = {"form": form, "blockers": kept.reasons}
                return render(request, "comments/account/delete.html", context, status=409)
            logout(request)
            messages.success(request, _("Your account is deleted."))
            return HttpResponseRedirect("/")
        return render(request, "comments/account/delete.html", {"form": form}, status=400)
    context = {"form": form, "blockers": privacy.account_delete_blockers(user=request.user)}
    return render(request, "comments/account/delete.html", context)


@never_cache
@csrf_exempt  # mail clients POST the RFC 8058 one-click request without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """A link from an email, no sign-in needed: GET asks to confirm, POST turns it off.

    The signed token names the account and the kind of email; all it can do is switch that
    kind off, which is why it may be used without a session or CSRF token.
    """
    try:
        user, kind = unsubscribe_links.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "comments/account/unsubscribe.html", {"invalid": True}, status=400)
    context = {"kind": kind, "token": token}
    if request.method == "POST":
        services.reader_profile_update(user=user, **{unsubscribe_links.KINDS[kind]: False})
        context["done"] = True
    return render(request, "comments/account/unsubscribe.html", context)
