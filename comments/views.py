"""Reader doors into comments: the comment form, the reply form, the report form.

The explainer page is served to anonymous readers from a shared cache, so it carries nothing
per visitor: no CSRF token, no session, no form. The forms live here, at their own addresses,
never cached; the explainer page links to them (and comments.js brings them inline). After a
post the reader is sent back to the explainer with `?posted=pending|approved`: the same for
everyone who posts, so it is safe to cache, and the page says what happened.
"""

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from core.addresses import client_ip
from explainers.models import Explainer
from readers.models import public_name
from readers.unsubscribe import read_guest_token

from . import notifications, pipeline, reports, threads
from .flood import FloodLimitExceeded
from .forms import CommentForm, ReportForm
from .models import Comment
from .submission import CommentsClosed, closed_reason, comment_submit
from .suspensions import ReaderSuspended, suspension_in_force, suspension_notice


def _explainer_or_404(slug):
    return get_object_or_404(Explainer.objects.published(), slug=slug)


def _posted_url(comment: Comment) -> str:
    base = comment.explainer.get_absolute_url()
    if comment.status == Comment.Status.APPROVED:
        # The page it is on in the oldest-first order (the default order may be another).
        page = threads.page_number_of(comment)
        cpage = f"&cpage={page}" if page > 1 else ""
        return f"{base}?posted=approved&csort=oldest{cpage}#{comment.anchor}"
    # Spam is told the same as pending: a bot learns nothing from the answer.
    return f"{base}?posted=pending#comments"


@never_cache
@require_http_methods(["GET", "POST"])
def comment_post(request, slug, comment_id=None):
    """Show the comment (or reply) form; on POST submit it and go back to the explainer."""
    explainer = _explainer_or_404(slug)
    parent = None
    if comment_id is not None:
        parent = get_object_or_404(
            Comment.objects.visible().select_related("user", "parent"),
            pk=comment_id,
            explainer=explainer,
        )
    context = {"explainer": explainer, "parent": parent}
    reason = closed_reason(explainer)
    if reason:
        context["closed_reason"] = reason
        return render(request, "comments/comment_form.html", context, status=403)

    user = request.user if request.user.is_authenticated else None
    notice = suspension_notice(suspension_in_force(user))
    if notice is not None:
        # Suspended or banned: why and until when, instead of a form they cannot send.
        context["suspension_notice"] = notice
        return render(request, "comments/comment_form.html", context, status=403)
    if user is not None:
        context["commenting_as"] = public_name(user)
    context["moderation_notice"] = pipeline.moderation_notice(explainer.comment_mode, user)
    if request.method == "GET":
        context["form"] = CommentForm(explainer=explainer, user=user)
        return render(request, "comments/comment_form.html", context)

    form = CommentForm(request.POST, explainer=explainer, user=user)
    context["form"] = form
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            comment = comment_submit(
                explainer=explainer,
                body=data["body"],
                user=user,
                guest_name=data.get("name", ""),
                guest_email=data.get("email", ""),
                parent=parent,
                ip_address=client_ip(request),
                honeypot=data.get("website", ""),
                issued_at=form.issued_at,
            )
        except FloodLimitExceeded as error:
            form.add_error(None, str(error))
            status = 429
        except CommentsClosed as error:
            context["closed_reason"] = str(error)
            status = 403
        except ReaderSuspended as error:  # suspended while the form was open
            context["suspension_notice"] = suspension_notice(error.suspension)
            status = 403
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if data.get("notify_replies"):
                notifications.guest_replies_subscribe(comment=comment)
            return HttpResponseRedirect(_posted_url(comment))
    return render(request, "comments/comment_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def comment_report(request, pk):
    """Report a published comment to the moderators (one report per reader per comment)."""
    comment = get_object_or_404(
        Comment.objects.select_related("explainer", "user").filter(
            explainer__in=Explainer.objects.published()
        ),
        pk=pk,
    )
    context = {"comment": comment, "explainer": comment.explainer}
    if comment.status != Comment.Status.APPROVED:
        # Already hidden (reported enough, or moderated): nothing left to report.
        context["unavailable"] = True
        return render(request, "comments/comment_report.html", context, status=404)

    notice = suspension_notice(suspension_in_force(request.user))
    if notice is not None:
        context["suspension_notice"] = notice
        return render(request, "comments/comment_report.html", context, status=403)
    form = ReportForm(request.POST or None)
    context["form"] = form
    if request.method == "GET":
        return render(request, "comments/comment_report.html", context)
    if form.is_valid():
        try:
            reports.comment_report(
                comment=comment,
                reason=form.cleaned_data["reason"],
                user=request.user,
                ip_address=client_ip(request),
            )
        except ReaderSuspended as error:  # suspended while the form was open
            context["suspension_notice"] = suspension_notice(error.suspension)
            return render(request, "comments/comment_report.html", context, status=403)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return HttpResponseRedirect(
                f"{comment.explainer.get_absolute_url()}?reported=1#comments"
            )
    return render(request, "comments/comment_report.html", context, status=400)


MY_COMMENTS_PER_PAGE = 20


@never_cache
@login_required
@require_safe
def my_comments(request):
    """Every comment the reader wrote, newest first, with its status (and why, if rejected),
    and any suspension or ban in force (why, until when)."""
    comments = (
        Comment.objects.filter(user=request.user)
        .select_related("explainer")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(comments, MY_COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "comments": page,
        "suspension_notice": suspension_notice(suspension_in_force(request.user)),
    }
    return render(request, "comments/account/my_comments.html", context)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def guest_replies(request, token, action):
    """A guest's link from an email, no account: GET asks, POST confirms the address (double
    opt-in) or stops the emails (one click, also as List-Unsubscribe-Post). The signed token
    is the only credential and can do only this, hence no CSRF token."""
    try:
        subscription_id, email = read_guest_token(token, action=action)
    except signing.BadSignature:
        subscription_id = None
    context = {"action": action, "token": token}
    if subscription_id is None:
        context["invalid"] = True
        return render(request, "comments/guest_replies.html", context, status=400)
    if request.method == "POST":
        change = (
            notifications.guest_replies_confirm
            if action == "confirm"
            else notifications.guest_replies_stop
        )
        done = change(subscription_id=subscription_id, email=email)
        context["done" if done else "invalid"] = True
        return render(request, "comments/guest_replies.html", context, status=200 if done else 400)
    return render(request, "comments/guest_replies.html", context)
