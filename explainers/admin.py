"""The editors' admin: explainers with their ordered parts, sources, topics and corrections.

Every change of status goes through explainers/services.py and explainers/drafts.py (the same
functions the demo loader and tests call): `status` is read-only in the form, and the actions
and the change form's workflow buttons call the services and turn their refusals into admin
messages. A live explainer's text is edited in its working draft (explainers/drafts.py), with
its revisions, compare and restore pages here (`get_urls`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from . import notifications, revisions, worklists
from .cache import explainer_changed, explainer_listing_tags
from .drafts import (
    CONTENT_FIELDS,
    explainer_draft_discard,
    explainer_draft_start,
    explainer_publish_changes,
    explainer_request_changes,
    explainer_revision_restore,
)
from .forms import (
    CHECKED_IMAGES,
    CitedSourceInlineForm,
    ExplainerAdminForm,
    PositionedInlineForm,
    PositionedInlineFormSet,
    RevisionCompareForm,
    RowAutocompleteSelect,
    SafeAutocompleteSelect,
    SafeAutocompleteSelectMultiple,
    TopicAdminForm,
)
from .models import (
    CommentMode,
    Correction,
    DetailSection,
    Explainer,
    ExplainerSource,
    KeyPoint,
    Revision,
    SourceArticle,
    Topic,
)
from .services import (
    COMMENT_SETTINGS_PERMISSION,
    PUBLISH_PERMISSION,
    correction_add,
    explainer_archive,
    explainer_comment_mode_set,
    explainer_history_message,
    explainer_may_be_deleted,
    explainer_publish,
    explainer_submit_for_review,
    explainer_unpublish,
    source_article_save,
    topic_save,
)

MARKDOWN_HELP = _(
    "Write each body in Markdown: a blank line starts a new paragraph; **bold** and *italic*; "
    "lines starting with - or 1. make lists; [words](https://example.org/) makes a link; "
    "> quotes; ## starts a subheading. Raw HTML is removed. Drag a section's title bar to "
    "reorder the sections."
)
# Rows not yet saved have no drag handle (django-admin-sortable2): the form says so.
ORDER_AFTER_SAVE_HELP = _(
    "Rows are kept in the order you fill them in; once the explainer is saved, drag them "
    "by their handles to reorder them."
)


class SafeAutocompleteMixin:
    """Autocomplete fields whose widgets survive a value that names nothing (see
    forms.StorableChoicesMixin): the form shows its error instead of a server error."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def live_for_non_publisher(request, explainer) -> bool:
    """A published explainer's form (its schedule, comment settings and corrections log) is
    read-only to those who may not publish: changing what readers already see is publishing.

    Contributors propose changes to its text in its working draft ("Edit in a working draft"),
    which an editor publishes; the text itself is read-only to everyone (`live_text`).
    """
    return (
        explainer is not None
        and explainer.status == Explainer.Status.PUBLISHED
        and not request.user.has_perm(PUBLISH_PERMISSION)
    )


def live_text(explainer) -> bool:
    """A live explainer's text and parts change only through its working draft
    (explainers.drafts), for everyone: saving the live row never changes what readers read."""
    return explainer is not None and explainer.is_live


class LiveExplainerLockMixin:
    """For inlines: no add/change/delete on the parts of a live explainer without publishing."""

    def has_add_permission(self, request, obj=None):
        return not live_for_non_publisher(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not live_for_non_publisher(request, obj) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not live_for_non_publisher(request, obj) and super().has_delete_permission(
            request, obj
        )


class PositionedInlineMixin:
    """Drag-and-drop ordered parts that keep the (explainer, position) constraint.

    A live explainer's parts are read-only to everyone: they change in its working draft.
    """

    form = PositionedInlineForm
    formset = PositionedInlineFormSet
    add_extra = 1

    def get_extra(self, request, obj=None, **kwargs):
        # Blank rows to fill in on a new explainer; on an existing one, "Add another" adds them.
        return self.add_extra if obj is None else 0

    def has_add_permission(self, request, obj=None):
        return not live_text(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not live_text(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not live_text(obj) and super().has_delete_permission(request, obj)


class ExplainerSourceInline(PositionedInlineMixin, SortableTabularInline):
    model = ExplainerSource
    form = CitedSourceInlineForm
    fields = ["source"]
    autocomplete_fields = ["source"]
    verbose_name_plural = _("cited sources (the first is the primary source)")

    def get_queryset(self, request):
        # Each row's label names its explainer and source: fetch them with the rows.
        return super().get_queryset(request).select_related("explainer", "source")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            # The autocomplete shows each row's source from the row itself: no query per row.
            kwargs["widget"] = RowAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class KeyPointInline(PositionedInlineMixin, SortableTabularInline):
    model = KeyPoint
    fields = ["text"]
    # The seed-sized explainer (five key points, three sections) needs no "Add another".
    add_extra = 5
    formfield_overrides = {
        models.CharField: {
            "widget": forms.Textarea(attrs={"rows": 2, "cols": 80, "class": "key-point-text"})
        }
    }


class DetailSectionInline(PositionedInlineMixin, SortableStackedInline):
    model = DetailSection
    add_extra = 3
    formfield_overrides = CHECKED_IMAGES
    fieldsets = [
        (None, {"fields": ["heading", "body", "position"], "description": MARKDOWN_HELP}),
        (
            _("Figure"),
            {
                "fields": ["figure_image", "figure_alt", "figure_caption", "figure_credit"],
                "classes": ["collapse"],
            },
        ),
    ]


class CorrectionInline(LiveExplainerLockMixin, admin.TabularInline):
    """The public corrections log. New entries go through `correction_add` (see save_formset)."""

    model = Correction
    extra = 0
    fields = ["kind", "note", "significant", "created_at"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("explainer")


@dataclass(frozen=True)
class WorkflowStep:
    """One workflow step: the service behind its changelist action and change-form button.

    `skip` names explainers the step leaves alone with an information message (e.g. already
    published); everything else goes to the service, which decides who may and what is
    possible, and whose refusals become error messages.
    """

    service: Callable
    description: str
    done_message: str  # ngettext_lazy with a %(count)d
    permission: str  # a ModelAdmin has_<permission>_permission
    button: bool = True  # offered on the change form as "Save and …"
    skip: Callable[[Explainer], bool] | None = None
    skip_message: str = ""
    options: Callable[[Explainer], dict] = lambda explainer: {}
    after: Callable | None = None  # (modeladmin, request, explainer, result, **options)
    # What the change form's button says it did, for one explainer: (explainer, options) → text.
    confirm: Callable | None = None


def when(moment) -> str:
    """A time as the workflow messages say it: "3 December 09:00" in the site's time zone."""
    return formats.date_format(timezone.localtime(moment), gettext("j F H:i"))


def _publish_confirm(explainer, options):
    scheduled_for = options.get("publish_at")
    if scheduled_for is not None:
        return gettext("Scheduled for %(time)s.") % {"time": when(scheduled_for)}
    return gettext("Published.")


def _publish_options(explainer):
    """Publish now, or at the explainer's publish time when that is still to come."""
    scheduled_for = explainer.publish_at
    if scheduled_for is not None and scheduled_for <= timezone.now():
        scheduled_for = None  # a past time would backdate it: publish now instead
    return {"publish_at": scheduled_for}


def _report_publish(modeladmin, request, explainer, warnings, *, publish_at):
    for warning in warnings:
        modeladmin.message_user(
            request,
            gettext("“%(title)s”: %(warning)s") % {"title": explainer, "warning": warning},
            messages.WARNING,
        )
    if publish_at is not None and not getattr(request, "kaisetsu_button", False):
        modeladmin.message_user(
            request,
            gettext("“%(title)s” is scheduled to appear at %(time)s.")
            % {"title": explainer, "time": localize(timezone.localtime(publish_at))},
            messages.INFO,
        )


# Keyed by action name; the change form's button for a step is named "_<action name>".
WORKFLOW_STEPS = {
    "submit_for_review": WorkflowStep(
        service=explainer_submit_for_review,
        description=_("Submit selected explainers for review"),
        done_message=ngettext_lazy(
            "%(count)d explainer submitted for review.",
            "%(count)d explainers submitted for review.",
            "count",
        ),
        permission="change",
        confirm=lambda explainer, options: gettext("Submitted for review."),
    ),
    "publish": WorkflowStep(
        service=explainer_publish,
        description=_("Publish selected explainers"),
        done_message=ngettext_lazy(
            "%(count)d explainer published.", "%(count)d explainers published.", "count"
        ),
        permission="publish",
        skip=lambda explainer: explainer.status == Explainer.Status.PUBLISHED,
        skip_message=_("“%(title)s” is already published."),
        options=_publish_options,
        after=_report_publish,
        confirm=_publish_confirm,
    ),
    "unpublish": WorkflowStep(
        service=explainer_unpublish,
        description=_("Unpublish selected explainers"),
        done_message=ngettext_lazy(
            "%(count)d explainer unpublished.", "%(count)d explainers unpublished.", "count"
        ),
        permission="publish",
        skip=lambda explainer: explainer.status != Explainer.Status.PUBLISHED,
        skip_message=_("“%(title)s” is not published."),
        confirm=lambda explainer, options: gettext("Unpublished."),
    ),
    "archive": WorkflowStep(
        service=explainer_archive,
        description=_("Archive selected explainers"),
        done_message=ngettext_lazy(
            "%(count)d explainer archived.", "%(count)d explainers archived.", "count"
        ),
        permission="publish",
        skip=lambda explainer: explainer.status == Explainer.Status.ARCHIVED,
        skip_message=_("“%(title)s” is already archived."),
        confirm=lambda explainer, options: gettext("Archived."),
    ),
    "close_comments": WorkflowStep(
        service=explainer_comment_mode_set,
        description=_("Close comments on selected explainers"),
        done_message=ngettext_lazy(
            "Comments closed on %(count)d explainer.",
            "Comments closed on %(count)d explainers.",
            "count",
        ),
        permission="comment_settings",
        button=False,
        options=lambda explainer: {"mode": CommentMode.CLOSED},
    ),
    "open_comments": WorkflowStep(
        service=explainer_comment_mode_set,
        description=_("Open comments on selected explainers"),
        done_message=ngettext_lazy(
            "Comments opened on %(count)d explainer.",
            "Comments opened on %(count)d explainers.",
            "count",
        ),
        permission="comment_settings",
        button=False,
        options=lambda explainer: {"mode": CommentMode.OPEN},
    ),
}


def workflow_action(name):
    """The changelist action running WORKFLOW_STEPS[name] over the selected explainers."""
    step = WORKFLOW_STEPS[name]

    def action(modeladmin, request, queryset):
        modeladmin._run_step_over(request, step, queryset)

    action.__name__ = name
    return admin.action(description=step.description, permissions=[step.permission])(action)


class ExplainerChangeList(ChangeList):
    """The change list lists the explainers readers know: working drafts are reached from
    their live explainer ("live, with unpublished changes"), not listed beside it."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).filter(draft_of__isnull=True)


def _draft_value(name):
    return Subquery(Explainer.objects.filter(draft_of=OuterRef("pk")).values(name)[:1])


class WorkListFilter(admin.SimpleListFilter):
    """The editors' work lists (`explainers.worklists`): the newsroom dashboard's panels link
    here, so each panel and its list hold the same explainers."""

    title = _("work list")
    parameter_name = "worklist"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("My drafts")),
            ("review", _("Awaiting review")),
            ("submitted", _("Submitted by me, awaiting review")),
            ("scheduled", _("Scheduled")),
            ("changes", _("Live, with unpublished changes")),
            ("recent", _("Published in the last 7 days")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "mine":
                return worklists.my_drafts(queryset, request.user)
            case "review":
                return worklists.awaiting_review(queryset)
            case "submitted":
                return worklists.submitted_by(queryset, request.user)
            case "scheduled":
                return worklists.scheduled(queryset)
            case "changes":
                return worklists.with_unpublished_changes(queryset)
            case "recent":
                return worklists.recently_published(queryset)
        return queryset


@admin.register(Explainer)
class ExplainerAdmin(SafeAutocompleteMixin, SortableAdminBase, admin.ModelAdmin):
    form = ExplainerAdminForm
    inlines = [ExplainerSourceInline, KeyPointInline, DetailSectionInline, CorrectionInline]
    list_display = [
        "title",
        "status_label",
        "review_note_label",
        "publish_at",
        "key_point_count",
        "language",
        "byline",
    ]
    list_filter = [WorkListFilter, "status", "topics", "language"]
    list_select_related = ["byline"]
    search_fields = ["title", "slug", "introduction", "summary"]
    ordering = ["-modified_at", "-pk"]
    autocomplete_fields = ["topics"]
    prepopulated_fields = {"slug": ["title"]}
    # The text of a live explainer: changed in its working draft, never on the live row (the
    # fields a working draft copies, as the form shows them, with its address and topics).
    live_content_fields = [
        *(name for name in CONTENT_FIELDS if Explainer._meta.get_field(name).editable),
        "slug",
        "topics",
    ]
    formfield_overrides = CHECKED_IMAGES
    readonly_fields = [
        "status",
        "byline",
        "first_published_at",
        "significant_update_at",
        "reading_minutes",
        "created_at",
        "modified_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "introduction", "summary", "topics"]}),
        (
            _("Lead image"),
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ]
            },
        ),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "publish_at",
                    "comment_mode",
                    "byline",
                    "first_published_at",
                    "significant_update_at",
                ]
            },
        ),
        (
            _("Record"),
            {"fields": ["reading_minutes", "created_at", "modified_at"], "classes": ["collapse"]},
        ),
    ]
    actions = list(WORKFLOW_STEPS)

    def get_queryset(self, request):
        # distinct: a topic filter joins topics, which would multiply the key points counted.
        # A live explainer's working draft, if any: its id, status and note, for the list.
        return (
            super()
            .get_queryset(request)
            .annotate(
                key_point_count=Count("key_points", distinct=True),
                working_draft_pk=_draft_value("pk"),
                working_draft_status=_draft_value("status"),
                working_draft_note=_draft_value("review_note"),
            )
        )

    def get_changelist(self, request, **kwargs):
        return ExplainerChangeList

    def get_inlines(self, request, obj):
        if obj is not None and obj.is_working_draft:
            # Corrections are the live explainer's public log: added there, at once.
            return [inline for inline in self.inlines if inline is not CorrectionInline]
        return self.inlines

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and (obj.is_live or obj.is_working_draft):
            return {}  # the slug is read-only there
        return super().get_prepopulated_fields(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and obj.is_working_draft and self.has_change_permission(request, obj):
            # The draft as this form saw it (hidden): a form someone's save overtook is refused.
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], "seen_version"]})
        if obj is None or not self.has_publish_permission(request):
            return fieldsets
        review = []
        if obj.status == Explainer.Status.REVIEW:
            review.append("change_request_note")
        if obj.is_working_draft:
            review.append("significant_change")
        if review:
            fieldsets.insert(1, (_("Review"), {"fields": review}))
        return fieldsets

    def get_search_results(self, request, queryset, search_term):
        """The readers' search index over every status (editors find what readers find),
        plus an exact slug; the change list keeps its own ordering."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = Explainer.objects.search(term).values("pk")
        return queryset.filter(models.Q(pk__in=found) | models.Q(slug=term)), False

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if live_text(obj):
            readonly += self.live_content_fields
        if obj is not None and obj.is_working_draft:
            # Its address, schedule and comments are the live explainer's.
            readonly += ["slug", "publish_at", "comment_mode"]
        if not self.has_publish_permission(request):
            # Moving the publish time of a published explainer is publishing: publishers only.
            readonly.append("publish_at")
        if not self.has_comment_settings_permission(request):
            # The form is another door to the comment settings: the service's rule holds here.
            readonly.append("comment_mode")
        return readonly

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return not live_for_non_publisher(request, obj) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        """Only a never-published draft is deleted; anything else is archived (see
        `explainer_may_be_deleted`), so the moderation log of its comments is kept."""
        if obj is not None and not explainer_may_be_deleted(obj):
            return False
        return not live_for_non_publisher(request, obj) and super().has_delete_permission(
            request, obj
        )

    def get_actions(self, request):
        # No bulk delete: "Archive" is the bulk way off the site; a draft is deleted on its page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # A working draft's edits are its live explainer's history (as its workflow events are),
    # not entries under the draft's id that its publication or discarding would orphan.
    def log_addition(self, request, obj, message):
        return super().log_addition(request, revisions.story_of(obj), message)

    def log_change(self, request, obj, message):
        return super().log_change(request, revisions.story_of(obj), message)

    def history_view(self, request, object_id, extra_context=None):
        """The History page, each entry put into the reader's language and time zone."""
        response = super().history_view(request, object_id, extra_context)
        page = getattr(response, "context_data", {}).get("action_list")
        if page is not None:  # None: a redirect (no such explainer)
            page.object_list = list(page.object_list)
            for entry in page.object_list:
                entry.history_message = explainer_history_message(entry)
        return response

    def view_on_site(self, obj):
        # The reader page itself (staff see drafts there as a preview). contenttypes' shortcut
        # would prefix the Sites framework's domain, which is not necessarily this host.
        return obj.get_absolute_url()

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        if obj.status == Explainer.Status.PUBLISHED and not obj.is_published:
            label = _("Scheduled")
        elif obj.status == Explainer.Status.DRAFT and obj.review_note:
            label = _("Changes requested")
        else:
            label = obj.get_status_display()
        draft_status = getattr(obj, "working_draft_status", None)
        if draft_status is None:
            return label
        if draft_status == Explainer.Status.REVIEW:
            return gettext("%(status)s, with unpublished changes in review") % {"status": label}
        if getattr(obj, "working_draft_note", ""):
            return gettext("%(status)s, with unpublished changes (changes requested)") % {
                "status": label
            }
        return gettext("%(status)s, with unpublished changes") % {"status": label}

    @admin.display(description=_("note from the editor"))
    def review_note_label(self, obj):
        note = getattr(obj, "working_draft_note", None) or obj.review_note
        return Truncator(note).chars(80) if note else ""

    @admin.display(description=_("key points"), ordering="key_point_count")
    def key_point_count(self, obj):
        return obj.key_point_count

    # Saving ---------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change and obj.byline_id is None:
            obj.byline = request.user
        comments_change = change and "comment_mode" in form.changed_data
        if change:
            stored = Explainer.objects.get(pk=obj.pk)
            # The topic and source pages it is on before this save: a page it leaves changes.
            request.kaisetsu_before = (stored.slug, explainer_listing_tags(stored.pk))
            if "publish_at" in form.changed_data:
                # Moving the publish time never moves when readers first saw it.
                obj.first_published_at = stored.first_published
            if comments_change:
                # Opening or closing comments is the service's (permission, history event).
                obj.comment_mode = stored.comment_mode
        super().save_model(request, obj, form, change)
        if comments_change:
            explainer_comment_mode_set(
                explainer=obj, actor=request.user, mode=form.cleaned_data["comment_mode"]
            )
            obj.refresh_from_db(fields=["comment_mode"])

    def save_formset(self, request, form, formset, change):
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        # New corrections go through the service, so a significant one moves the explainer's
        # updated time (sitemap, feeds) and the entry is logged; edits and deletions are plain.
        instances = formset.save(commit=False)
        for correction in formset.deleted_objects:
            correction.delete()
        added = []
        for correction in instances:
            if correction.pk is None:
                added.append(
                    correction_add(
                        explainer=form.instance,
                        kind=correction.kind,
                        note=correction.note,
                        significant=correction.significant,
                        actor=request.user,
                    )
                )
            else:
                correction.save()
        formset.new_objects = added
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The one refresh of derived data (search document, reading time, image renditions),
        # with every part saved; then the reader pages that show it (page cache versions,
        # after the commit).
        # A working draft is on no reader page: nothing to invalidate.
        explainer = form.instance
        explainer.refresh_derived()
        if not explainer.is_working_draft:
            old_slug, before = getattr(request, "kaisetsu_before", ("", set()))
            explainer_changed(explainer, before=before, old_slug=old_slug)
        revisions.record(explainer=explainer, event=Revision.Event.EDIT, actor=request.user)

    # Workflow: the same services behind the actions and the change form's buttons -----------

    def has_comment_settings_permission(self, request, obj=None):
        return request.user.has_perm(COMMENT_SETTINGS_PERMISSION)

    def _refused(self, request, explainer, exc):
        if isinstance(exc, ValidationError):
            reasons = " ".join(exc.messages)
        else:
            reasons = str(exc) or gettext("You do not have permission to do that.")
        self.message_user(
            request,
            gettext("“%(title)s”: %(reasons)s") % {"title": explainer, "reasons": reasons},
            messages.ERROR,
        )

    def _run_step(self, request, step, explainer, *, confirm=False) -> bool:
        """Run one workflow step on one explainer; refusals become messages. `confirm`: say
        what happened in words ("Published."), as the change form's buttons do."""
        if step.skip is not None and step.skip(explainer):
            self.message_user(request, step.skip_message % {"title": explainer}, messages.INFO)
            return False
        options = step.options(explainer)
        try:
            result = step.service(explainer=explainer, actor=request.user, **options)
        except (ValidationError, PermissionDenied) as exc:
            self._refused(request, explainer, exc)
            return False
        if confirm and step.confirm is not None:
            self.message_user(request, step.confirm(explainer, options), messages.SUCCESS)
        if step.after is not None:
            step.after(self, request, explainer, result, **options)
        return True

    def _run_step_over(self, request, step, queryset) -> None:
        done = sum(self._run_step(request, step, explainer) for explainer in queryset)
        if done:
            self.message_user(request, step.done_message % {"count": done}, messages.SUCCESS)

    submit_for_review = workflow_action("submit_for_review")
    publish = workflow_action("publish")
    unpublish = workflow_action("unpublish")
    archive = workflow_action("archive")
    close_comments = workflow_action("close_comments")
    open_comments = workflow_action("open_comments")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = self.has_publish_permission(request)
        context["order_after_save_help"] = ORDER_AFTER_SAVE_HELP
        if obj is not None:
            draft = Explainer.objects.filter(draft_of=obj).first() if obj.is_live else None
            context.update(
                {
                    "is_live": obj.is_live,
                    "working_draft": draft,
                    "live_explainer": obj.draft_of if obj.is_working_draft else None,
                    "can_start_draft": obj.is_live
                    and draft is None
                    and super().has_change_permission(request),
                    "can_edit_draft": super().has_change_permission(request),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _change_url(self, pk):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[pk],
            current_app=self.admin_site.name,
        )

    def _try(self, request, subject, service, **kwargs):
        """Run a service; its refusal becomes an error message about `subject` (None then)."""
        try:
            return service(actor=request.user, **kwargs)
        except (ValidationError, PermissionDenied) as exc:
            self._refused(request, subject, exc)
            return None

    def _review_response(self, request, obj, form):
        """The working-draft and review buttons: "Publish changes", "Request changes"."""
        if "_publish_changes" in request.POST and obj.is_working_draft:
            live_pk = obj.draft_of_id
            warnings = self._try(
                request,
                obj,
                explainer_publish_changes,
                draft=obj,
                significant=bool(form.cleaned_data.get("significant_change")),
            )
            if warnings is None:
                return HttpResponseRedirect(self._change_url(obj.pk))
            self.message_user(request, gettext("Changes published."), messages.SUCCESS)
            for warning in warnings:
                self.message_user(request, warning, messages.WARNING)
            return HttpResponseRedirect(self._change_url(live_pk))
        if "_request_changes" in request.POST:
            done = self._try(
                request,
                obj,
                explainer_request_changes,
                explainer=obj,
                note=form.cleaned_data.get("change_request_note", ""),
            )
            if done is not None:
                self.message_user(request, gettext("Changes requested."), messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(obj.pk))
        return None

    def _workflow_response(self, request, obj, form=None):
        """After "Save and publish" (etc.): the explainer is saved; now run the service."""
        if form is not None:
            response = self._review_response(request, obj, form)
            if response is not None:
                return response
        step = next(
            (
                step
                for name, step in WORKFLOW_STEPS.items()
                if step.button and f"_{name}" in request.POST
            ),
            None,
        )
        if step is None:
            return None
        request.kaisetsu_button = True
        if not self._run_step(request, step, obj, confirm=True):
            self.message_user(
                request,
                gettext("The explainer “%(title)s” was saved.") % {"title": obj},
                messages.INFO,
            )
        return HttpResponseRedirect(self._change_url(obj.pk))

    def save_form(self, request, form, change):
        request.kaisetsu_form = form
        return super().save_form(request, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        form = getattr(request, "kaisetsu_form", None)
        return self._workflow_response(request, obj, form) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        form = getattr(request, "kaisetsu_form", None)
        return self._workflow_response(request, obj, form) or super().response_change(request, obj)

    # Working drafts, revisions, compare and restore ------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/working-draft/",
                wrap(self.working_draft_view),
                name=f"{info}_working_draft",
            ),
            path(
                "<path:object_id>/discard-changes/",
                wrap(self.discard_view),
                name=f"{info}_discard",
            ),
            path(
                "<path:object_id>/revisions/compare/",
                wrap(self.compare_view),
                name=f"{info}_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                wrap(self.restore_view),
                name=f"{info}_restore",
            ),
            path(
                "<path:object_id>/revisions/",
                wrap(self.revisions_view),
                name=f"{info}_revisions",
            ),
            # From an email: no sign-in (the signed token is the authority, as for readers).
            path(
                "workflow-emails/unsubscribe/<str:token>/",
                csrf_exempt(self.unsubscribe_view),
                name="explainers_workflow_unsubscribe",
            ),
            *super().get_urls(),
        ]

    def _explainer_or_404(self, request, object_id) -> Explainer:
        explainer = self.get_object(request, object_id)
        if explainer is None or not self.has_view_permission(request, explainer):
            raise Http404
        return explainer

    def working_draft_view(self, request, object_id):
        """Start (or open) the working draft of a live explainer. POST only."""
        explainer = self._explainer_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(explainer.pk))
        draft = self._try(request, explainer, explainer_draft_start, explainer=explainer)
        if draft is None:
            return HttpResponseRedirect(self._change_url(explainer.pk))
        self.message_user(
            request,
            gettext(
                "You are editing the working draft. Readers see the live explainer until the "
                "changes are published."
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(draft.pk))

    def discard_view(self, request, object_id):
        """Throw a working draft away. POST only."""
        draft = self._explainer_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(draft.pk))
        live = self._try(request, draft, explainer_draft_discard, draft=draft)
        if live is None:
            return HttpResponseRedirect(self._change_url(draft.pk))
        self.message_user(request, gettext("Changes discarded."), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(live.pk))

    def _story(self, request, object_id) -> Explainer:
        return revisions.story_of(self._explainer_or_404(request, object_id))

    def _context(self, request, explainer, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": explainer,
            "title": title,
            "subtitle": str(explainer),
            "has_view_permission": True,
            "can_restore": super().has_change_permission(request)
            and explainer.status != Explainer.Status.ARCHIVED,
            **extra,
        }

    def revisions_view(self, request, object_id):
        """The explainer's revisions, newest first, a page at a time, without their snapshots
        (so the page costs the same at 2 revisions or 2,000)."""
        explainer = self._story(request, object_id)
        if str(explainer.pk) != str(object_id):
            return HttpResponseRedirect(
                reverse(
                    "admin:explainers_explainer_revisions",
                    args=[explainer.pk],
                    current_app=self.admin_site.name,
                )
            )
        queryset = (
            Revision.objects.filter(explainer=explainer)
            .defer("snapshot")
            .select_related("actor")
            .order_by("-created_at", "-pk")
        )
        paginator = Paginator(queryset, REVISIONS_PER_PAGE)
        page = paginator.get_page(request.GET.get("p"))
        revision_list = list(page.object_list)
        for revision in revision_list:
            revision.actor_label = _person(revision.actor)
        context = self._context(
            request,
            explainer,
            gettext("Revisions"),
            page=page,
            revision_list=revision_list,
            pages=paginator.get_elided_page_range(page.number),
        )
        return TemplateResponse(request, "admin/explainers/explainer/revisions.html", context)

    def compare_view(self, request, object_id):
        """Two revisions side by side: field by field, parts matched by identity."""
        explainer = self._story(request, object_id)
        form = RevisionCompareForm(request.GET)
        if not form.is_valid():
            return HttpResponseBadRequest(gettext("Choose two revisions to compare."))
        found = {
            revision.pk: revision
            for revision in Revision.objects.filter(
                explainer=explainer, pk__in=[form.cleaned_data["a"], form.cleaned_data["b"]]
            ).select_related("actor")
        }
        if form.cleaned_data["a"] not in found or form.cleaned_data["b"] not in found:
            raise Http404
        old, new = sorted(
            (found[form.cleaned_data["a"]], found[form.cleaned_data["b"]]),
            key=lambda revision: (revision.created_at, revision.pk),
        )
        for revision in (old, new):
            revision.actor_label = _person(revision.actor)
        context = self._context(
            request,
            explainer,
            gettext("Compare revisions"),
            old=old,
            new=new,
            comparison=revisions.compare(old.snapshot, new.snapshot),
        )
        return TemplateResponse(request, "admin/explainers/explainer/compare.html", context)

    def restore_view(self, request, object_id, revision_id):
        """A revision becomes the working draft (never live). POST only."""
        explainer = self._story(request, object_id)
        revision = get_object_or_404(Revision, pk=revision_id, explainer=explainer)
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse(
                    "admin:explainers_explainer_revisions",
                    args=[explainer.pk],
                    current_app=self.admin_site.name,
                )
            )
        draft = self._try(request, explainer, explainer_revision_restore, revision=revision)
        if draft is None:
            return HttpResponseRedirect(self._change_url(explainer.pk))
        self.message_user(
            request,
            gettext("The revision of %(time)s is now the working draft; readers see no change.")
            % {"time": when(revision.created_at)},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(draft.pk))

    def unsubscribe_view(self, request, token):
        """A link from a workflow email: GET asks to confirm, POST stops them."""
        try:
            user = notifications.read_unsubscribe_token(token)
        except signing.BadSignature:
            return TemplateResponse(
                request,
                "admin/explainers/workflow_unsubscribe.html",
                {"invalid": True, "site_header": self.admin_site.site_header},
                status=400,
            )
        context = {"token": token, "site_header": self.admin_site.site_header}
        if request.method == "POST":
            notifications.workflow_emails_stop(user=user)
            context["done"] = True
        return TemplateResponse(request, "admin/explainers/workflow_unsubscribe.html", context)


REVISIONS_PER_PAGE = 50


def _person(user) -> str:
    if user is None:
        return "—"
    full = user.get_full_name()
    return f"{user.get_username()} ({full})" if full else user.get_username()


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicAdminForm
    list_display = ["name", "slug", "explainer_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # Explicit, because the count annotation's GROUP BY drops the model's default ordering.
    ordering = ["name"]

    def get_queryset(self, request):
        # Working drafts are copies, not explainers of their own.
        return (
            super()
            .get_queryset(request)
            .annotate(
                explainer_count=Count(
                    "explainers", filter=models.Q(explainers__draft_of__isnull=True)
                )
            )
        )

    def save_model(self, request, obj, form, change):
        # The service saves it and refreshes the search index of every explainer under it.
        topic_save(topic=obj)

    @admin.display(description=_("explainers"), ordering="explainer_count")
    def explainer_count(self, obj):
        return obj.explainer_count


@admin.register(SourceArticle)
class SourceArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published_on", "language", "explainer_count"]
    list_filter = ["language"]
    search_fields = ["title", "publisher", "url", "author"]
    date_hierarchy = "published_on"
    # Explicit, because the count annotation's GROUP BY drops the model's default ordering.
    ordering = ["-published_on", "title"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["title", "url", "publisher", "published_on", "author", "language", "cited_by"]
    readonly_fields = ["cited_by"]

    def get_queryset(self, request):
        # Working drafts cite their sources too, but are copies, not explainers of their own.
        return (
            super()
            .get_queryset(request)
            .annotate(
                explainer_count=Count(
                    "explainer_links",
                    filter=models.Q(explainer_links__explainer__draft_of__isnull=True),
                )
            )
        )

    def save_model(self, request, obj, form, change):
        # The service saves it and refreshes the search document of every explainer citing it.
        source_article_save(source=obj)

    @admin.display(description=_("explainers"), ordering="explainer_count")
    def explainer_count(self, obj):
        return obj.explainer_count

    @admin.display(description=_("cited by"))
    def cited_by(self, obj):
        explainers = (
            obj.explainers.filter(draft_of__isnull=True).order_by("title") if obj.pk else []
        )
        if not explainers:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse(
                            "admin:explainers_explainer_change",
                            args=[explainer.pk],
                            current_app=self.admin_site.name,
                        ),
                        explainer.title,
                        explainer.get_status_display(),
                    )
                    for explainer in explainers
                ),
            ),
        )


@admin.register(Correction)
class CorrectionAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "significant", "created_at"]
    list_filter = ["kind", "significant", "created_at"]
    list_select_related = ["explainer"]
    search_fields = ["note", "explainer__title"]
    autocomplete_fields = ["explainer"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        explainer = obj.explainer if obj is not None else None
        return not live_for_non_publisher(request, explainer) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        explainer = obj.explainer if obj is not None else None
        return not live_for_non_publisher(request, explainer) and super().has_delete_permission(
            request, obj
        )

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)

        class CorrectionForm(base):
            def clean(self):
                cleaned_data = super().clean()
                explainer = cleaned_data.get("explainer")
                if explainer is not None and explainer.is_working_draft:
                    raise ValidationError(
                        _("Corrections are added to the live explainer, not to its working draft.")
                    )
                if live_for_non_publisher(request, explainer):
                    raise ValidationError(
                        _(
                            "This explainer is published: its corrections log is changed by "
                            "an editor who may publish."
                        )
                    )
                return cleaned_data

        return CorrectionForm

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new entry goes through the service, like the explainer form's corrections inline.
        created = correction_add(
            explainer=obj.explainer,
            kind=obj.kind,
            note=obj.note,
            significant=obj.significant,
            actor=request.user,
            at=obj.created_at,
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db
        return None
