"""The moderators' tool on the site: the queue and its tabs, decisions, threads, histories, log.

Every page is for moderators only (permission `comments.moderate_comment`; superusers too),
never cached and never indexed. What each page lists comes from `moderation_queries`; every
change is a POST that calls a service (`moderation`, `trust`, `suspensions`,
`explainers.services`), so the tool, the admin and scripts take one path and each decision
writes its `ModerationAction`.
Nothing here deletes a comment.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from explainers.models import CommentMode, Explainer
from explainers.services import explainer_comment_mode_set
from readers.models import ReaderProfile, public_name

from . import moderation, notifications, suspensions
from .models import MODERATE_PERMISSION, Comment, ModerationAction, ReaderSuspension, ReasonCode
from .moderation import ACTION_CHOICES, TRANSITIONS
from .moderation_forms import (
    BulkModerationForm,
    LogFilterForm,
    ModerationDecisionForm,
    QueueFilterForm,
    ReaderSuspensionForm,
    ReaderTrustForm,
    SuspensionLiftForm,
)
from .moderation_queries import (
    TABS,
    decorate,
    for_cards,
    log_entries,
    status_counts,
    tab_counts,
    tab_queryset,
)
from .submission import closed_reason
from .trust import is_trusted, reader_trust_set

COMMENTS_PER_PAGE = 25
LOG_PER_PAGE = 50
THREADS_PER_PAGE = 20

Action = ModerationAction.Action


def moderator_required(view):
    """Moderators only: anonymous → the sign-in page, signed in without permission → 403.

    Every response is marked never-cache and noindex: these pages show held and guest data.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            response = redirect_to_login(request.get_full_path())
        elif not user.has_perm(MODERATE_PERMISSION):
            raise PermissionDenied(_("Only moderators may use the moderation tool."))
        else:
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _filter_by_explainer(request, qs):
    """Apply ?explainer=; a bad value is a 400 with the form's message, never a 500.

    Returns (queryset, form, chosen explainer or None, status).
    """
    form = QueueFilterForm(request.GET or None)
    if not form.is_bound:
        return qs, form, None, 200
    if not form.is_valid():
        return qs.none(), form, None, 400
    explainer = form.cleaned_data.get("explainer")
    if explainer is not None:
        qs = qs.filter(explainer=explainer)
    return qs, form, explainer, 200


@moderator_required
@require_safe
def queue(request, tab="pending"):
    """The queue (pending, oldest first) and the other tabs, filterable by explainer."""
    qs, filter_form, explainer, status = _filter_by_explainer(request, tab_queryset(tab))
    page = Paginator(qs, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    comments = decorate(page.object_list)
    # The tabs' badges count the queue; the summary adds how long and where it waits.
    pending = Comment.objects.pending_summary(top=50)
    counts = tab_counts()
    context = {
        "section": "queue",
        "tab": tab,
        "tabs": [(name, label, counts[name]) for name, label in TABS.items()],
        "page_obj": page,
        "comments": comments,
        "filter_form": filter_form,
        "explainer": explainer,
        "oldest_pending": pending["oldest"],
        "pending_by_explainer": pending["by_explainer"],
        "bulk_actions": ACTION_CHOICES,
        "reasons": ReasonCode.choices,
        "next_url": request.get_full_path(),
    }
    return render(request, "comments/moderation/comment_list.html", context, status=status)


def _next_url(request):
    """Back to where the moderator was (a tab, a thread), never to another site."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("moderation:queue")


DONE_MESSAGES = {
    Action.APPROVE: gettext_lazy("Comment #%(pk)s approved: readers can see it now."),
    Action.REJECT: gettext_lazy("Comment #%(pk)s rejected."),
    Action.SPAM: gettext_lazy("Comment #%(pk)s marked as spam."),
    Action.REMOVE: gettext_lazy("Comment #%(pk)s removed from the site."),
    Action.RESTORE: gettext_lazy("Comment #%(pk)s restored to the pending queue."),
}


def _form_error_page(request, *, form, comments, action_url, action=None):
    """A plain page to fix a decision that lacked something (e.g. a rejection reason): 400."""
    context = {
        "form": form,
        "comments": decorate(comments),
        "action_url": action_url,
        "action": action,
        "bulk_actions": ACTION_CHOICES,
        "reasons": ReasonCode.choices,
        "next_url": _next_url(request),
    }
    return render(request, "comments/moderation/decision_form.html", context, status=400)


@moderator_required
@require_POST
def comment_moderate(request, pk, action):
    """Approve, reject, mark as spam, remove or restore one comment, then go back."""
    comment = get_object_or_404(for_cards(Comment.objects.all()), pk=pk)
    form = ModerationDecisionForm(request.POST, action=action)
    if not form.is_valid():
        return _form_error_page(
            request,
            form=form,
            comments=[comment],
            action_url=reverse(f"moderation:{action}", kwargs={"pk": pk}),
            action=action,
        )
    try:
        moderation.comment_moderate(
            comment=comment,
            action=action,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        # Usually a stale page: someone else decided first. Say so; nothing changed.
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, DONE_MESSAGES[action] % {"pk": comment.pk})
    return HttpResponseRedirect(_next_url(request))


@moderator_required
@require_POST
def comment_feature(request, pk, featured):
    """Feature an approved comment, or stop featuring it, then go back."""
    comment = get_object_or_404(Comment, pk=pk)
    try:
        moderation.comment_feature(comment=comment, actor=request.user, featured=featured)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = (
            _("Comment #%(pk)s is featured: readers see it badged and in the featured view.")
            if featured
            else _("Comment #%(pk)s is no longer featured.")
        )
        messages.success(request, done % {"pk": comment.pk})
    return HttpResponseRedirect(_next_url(request))


@moderator_required
@require_POST
def comments_bulk(request):
    """One decision for every ticked comment (checkboxes + action + reason + note)."""
    form = BulkModerationForm(request.POST)
    if not form.is_valid():
        ticked = request.POST.getlist("comments")
        selected = Comment.objects.filter(pk__in=[v for v in ticked if v.isdigit()])
        return _form_error_page(
            request,
            form=form,
            comments=for_cards(selected),
            action_url=reverse("moderation:bulk"),
        )
    selected = form.cleaned_data["comments"]
    try:
        changed = moderation.comments_bulk_moderate(
            comments=selected,
            action=form.cleaned_data["action"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_next_url(request))
    label = TRANSITIONS[form.cleaned_data["action"]].label
    messages.success(
        request,
        ngettext(
            "%(action)s: %(count)d comment changed.",
            "%(action)s: %(count)d comments changed.",
            changed,
        )
        % {"action": label, "count": changed},
    )
    skipped = len(selected) - changed
    if skipped > 0:
        messages.warning(
            request,
            ngettext(
                "%(count)d ticked comment was left as it was: that action does not apply to it.",
                "%(count)d ticked comments were left as they were: "
                "that action does not apply to them.",
                skipped,
            )
            % {"count": skipped},
        )
    return HttpResponseRedirect(_next_url(request))


@moderator_required
@require_POST
def explainer_comment_mode(request, pk):
    """Open, hold every comment on, or close an explainer's comments, from the tool."""
    explainer = get_object_or_404(Explainer, pk=pk)
    mode = request.POST.get("mode", "")
    if mode not in CommentMode.values:
        messages.error(request, _("Choose how the explainer takes comments."))
        return HttpResponseRedirect(_next_url(request))
    try:
        explainer_comment_mode_set(explainer=explainer, actor=request.user, mode=mode)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            _("Comments on “%(title)s”: %(mode)s.")
            % {"title": explainer.title, "mode": CommentMode(mode).label},
        )
    return HttpResponseRedirect(_next_url(request))


@moderator_required
@require_safe
def explainer_thread(request, pk):
    """An explainer's whole thread in context: every comment and reply, whatever its status."""
    explainer = get_object_or_404(Explainer, pk=pk)
    threads = for_cards(
        Comment.objects.filter(explainer=explainer, parent__isnull=True).order_by(
            "created_at", "pk"
        )
    )
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    top_level = list(page.object_list)
    replies = list(
        for_cards(Comment.objects.filter(parent__in=top_level).order_by("created_at", "pk"))
    )
    decorate(top_level + replies)
    by_parent = {}
    for reply in replies:
        by_parent.setdefault(reply.parent_id, []).append(reply)
    for comment in top_level:
        comment.thread_replies = by_parent.get(comment.pk, [])
    context = {
        "explainer": explainer,
        "page_obj": page,
        "threads": top_level,
        "status_counts": status_counts(Comment.objects.filter(explainer=explainer)),
        "closed_reason": closed_reason(explainer),
        "comment_modes": CommentMode.choices,
        "reasons": ReasonCode.choices,
        "next_url": request.get_full_path(),
    }
    return render(request, "comments/moderation/explainer_thread.html", context)


def _history_page(
    request,
    *,
    comments,
    heading,
    author_user=None,
    trust_form=None,
    suspension_form=None,
    status=200,
):
    counts = status_counts(comments)
    comments = for_cards(comments)
    page = Paginator(comments.order_by("-created_at", "-pk"), COMMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "section": "queue",
        "heading": heading,
        "author_user": author_user,
        "page_obj": page,
        "comments": decorate(page.object_list),
        "status_counts": counts,
        "reasons": ReasonCode.choices,
        "next_url": request.get_full_path(),
    }
    if author_user is not None:
        # Read, never created here: a GET must not write (the service creates it on change).
        trust = (
            ReaderProfile.objects.filter(user=author_user).values_list("trust", flat=True).first()
            or ReaderProfile.Trust.AUTO
        )
        context.update(
            trust=ReaderProfile.Trust(trust),
            trusted_now=is_trusted(author_user),
            trust_form=trust_form or ReaderTrustForm(initial={"trust": trust}),
            **_suspensions_context(author_user, suspension_form),
        )
    return render(request, "comments/moderation/commenter_history.html", context, status=status)


def _suspensions_context(author, form):
    """The reader's suspensions and bans, newest first, each marked in force or not (one
    query), and the form to suspend or ban them (readers only: never staff or moderators)."""
    now = timezone.now()
    rows = list(
        ReaderSuspension.objects.filter(user=author).select_related("created_by", "lifted_by")
    )
    for row in rows:
        row.in_force = (
            row.lifted_at is None
            and row.starts_at <= now
            and (row.ends_at is None or row.ends_at > now)
        )
    return {
        "suspensions": rows,
        "suspended_now": any(row.in_force for row in rows),
        "may_be_suspended": suspensions.may_be_suspended(author, check_permissions=False),
        "suspension_form": form or ReaderSuspensionForm(),
        "lift_form": SuspensionLiftForm(),
    }


def _commenter_heading(author):
    return _("Comments by %(name)s (account “%(username)s”)") % {
        "name": public_name(author),
        "username": author.get_username(),
    }


@moderator_required
@require_safe
def commenter_history(request, pk):
    """Every comment a signed-in reader has written, newest first, and their trust setting."""
    author = get_object_or_404(get_user_model(), pk=pk)
    return _history_page(
        request,
        comments=Comment.objects.filter(user=author),
        heading=_commenter_heading(author),
        author_user=author,
    )


@moderator_required
@require_POST
def reader_trust(request, pk):
    """Grant or revoke a reader's trust by hand, or hand it back to the rule; logged."""
    author = get_object_or_404(get_user_model(), pk=pk)
    form = ReaderTrustForm(request.POST)
    if not form.is_valid():
        return _history_page(
            request,
            comments=Comment.objects.filter(user=author),
            heading=_commenter_heading(author),
            author_user=author,
            trust_form=form,
            status=400,
        )
    try:
        reader_trust_set(
            user=author,
            actor=request.user,
            trust=form.cleaned_data["trust"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Trust for %(name)s: %(trust)s.")
            % {
                "name": public_name(author),
                "trust": ReaderProfile.Trust(form.cleaned_data["trust"]).label,
            },
        )
    return redirect("moderation:commenter", pk=author.pk)


@moderator_required
@require_POST
def reader_suspend(request, pk):
    """Suspend a reader for some days or until a date, or ban them; logged and emailed."""
    author = get_object_or_404(get_user_model(), pk=pk)
    form = ReaderSuspensionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            suspension = suspensions.reader_suspend(
                user=author,
                actor=request.user,
                kind=data["kind"],
                reason=data["reason"],
                note=data["note"],
                ends_at=data["ends_at"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if suspension.ends_at is None:
                done = _("%(name)s is banned from commenting.") % {"name": public_name(author)}
            else:
                done = _("%(name)s is suspended until %(until)s.") % {
                    "name": public_name(author),
                    "until": notifications.format_moment(suspension.ends_at),
                }
            messages.success(request, done)
            return redirect("moderation:commenter", pk=author.pk)
    return _history_page(
        request,
        comments=Comment.objects.filter(user=author),
        heading=_commenter_heading(author),
        author_user=author,
        suspension_form=form,
        status=400,
    )


@moderator_required
@require_POST
def suspension_lift(request, pk):
    """Lift a suspension or ban now; logged, and the reader is told."""
    suspension = get_object_or_404(ReaderSuspension.objects.select_related("user"), pk=pk)
    form = SuspensionLiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("moderation:commenter", pk=suspension.user_id)
    try:
        suspensions.reader_suspension_lift(
            suspension=suspension, actor=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Lifted: %(name)s can comment again.") % {"name": public_name(suspension.user)},
        )
    return redirect("moderation:commenter", pk=suspension.user_id)


@moderator_required
@require_safe
def comment_author_history(request, pk):
    """The history of a comment's author: the account's, or a guest's by their key (a keyed
    hash of their email), never by address: people behind one address are not one person. A
    guest who gave no email (or whose email was purged) has only this comment."""
    comment = get_object_or_404(Comment, pk=pk)
    if comment.user_id:
        return redirect("moderation:commenter", pk=comment.user_id)
    if comment.guest_key:
        same_guest = Q(guest_key=comment.guest_key)
        heading = _("Comments by the guest “%(name)s” (same email address)")
    else:
        same_guest = Q(pk=comment.pk)
        heading = _("Comment by the guest “%(name)s” (no email address: this comment only)")
    return _history_page(
        request,
        comments=Comment.objects.filter(same_guest, user__isnull=True),
        heading=heading % {"name": comment.guest_name},
    )


@moderator_required
@require_safe
def moderation_log(request):
    """The append-only log: who did what to which comment, when, and why. Newest first."""
    entries = log_entries()
    form = LogFilterForm(request.GET or None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            if form.cleaned_data.get("explainer"):
                entries = entries.filter(comment__explainer=form.cleaned_data["explainer"])
            if form.cleaned_data.get("actor"):
                entries = entries.filter(actor=form.cleaned_data["actor"])
        else:
            entries, status = entries.none(), 400
    page = Paginator(entries, LOG_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "section": "log",
        "page_obj": page,
        "entries": page.object_list,
        "filter_form": form,
    }
    return render(request, "comments/moderation/moderationaction_list.html", context, status=status)
