"""The editors' admin: explainers with their ordered parts, sources, topics and corrections.

Every change of status goes through explainers/services.py (the same functions the demo
loader and tests call): `status` is read-only in the form, and the actions and the change
form's workflow buttons call the services and turn their refusals into admin messages.
"""

from collections.abc import Callable
from dataclasses import dataclass

from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from .cache import explainer_changed, explainer_listing_tags
from .forms import (
    CitedSourceInlineForm,
    ExplainerAdminForm,
    PositionedInlineForm,
    PositionedInlineFormSet,
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
    """A published explainer is read-only to those who may not publish.

    Contributors write and submit for review; editing what readers already see is publishing,
    so it takes the publish permission (the explainer and all its parts alike).
    """
    return (
        explainer is not None
        and explainer.status == Explainer.Status.PUBLISHED
        and not request.user.has_perm(PUBLISH_PERMISSION)
    )


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


class PositionedInlineMixin(LiveExplainerLockMixin):
    """Drag-and-drop ordered parts that keep the (explainer, position) constraint."""

    form = PositionedInlineForm
    formset = PositionedInlineFormSet
    add_extra = 1

    def get_extra(self, request, obj=None, **kwargs):
        # Blank rows to fill in on a new explainer; on an existing one, "Add another" adds them.
        return self.add_extra if obj is None else 0


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
    add_extra = 3


class DetailSectionInline(PositionedInlineMixin, SortableStackedInline):
    model = DetailSection
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
    if publish_at is not None:
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


@admin.register(Explainer)
class ExplainerAdmin(SafeAutocompleteMixin, SortableAdminBase, admin.ModelAdmin):
    form = ExplainerAdminForm
    inlines = [ExplainerSourceInline, KeyPointInline, DetailSectionInline, CorrectionInline]
    list_display = [
        "title",
        "status_label",
        "publish_at",
        "key_point_count",
        "language",
        "byline",
    ]
    list_filter = ["status", "topics", "language"]
    list_select_related = ["byline"]
    search_fields = ["title", "slug", "introduction", "summary"]
    ordering = ["-modified_at", "-pk"]
    autocomplete_fields = ["topics"]
    prepopulated_fields = {"slug": ["title"]}
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
        return (
            super()
            .get_queryset(request)
            .annotate(key_point_count=Count("key_points", distinct=True))
        )

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
            return _("Scheduled")
        return obj.get_status_display()

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
        # The one refresh of derived data (search document, reading time), with every part
        # saved; then the reader pages that show it (page cache versions, after the commit).
        form.instance.refresh_derived()
        old_slug, before = getattr(request, "kaisetsu_before", ("", set()))
        explainer_changed(form.instance, before=before, old_slug=old_slug)

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

    def _run_step(self, request, step, explainer) -> bool:
        """Run one workflow step on one explainer; refusals become messages."""
        if step.skip is not None and step.skip(explainer):
            self.message_user(request, step.skip_message % {"title": explainer}, messages.INFO)
            return False
        options = step.options(explainer)
        try:
            result = step.service(explainer=explainer, actor=request.user, **options)
        except (ValidationError, PermissionDenied) as exc:
            self._refused(request, explainer, exc)
            return False
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
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_response(self, request, obj):
        """After "Save and publish" (etc.): the explainer is saved; now run the service."""
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
        self.message_user(
            request,
            gettext("The explainer “%(title)s” was saved.") % {"title": obj},
            messages.SUCCESS,
        )
        self._run_step(request, step, obj)
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(url)

    def response_add(self, request, obj, post_url_continue=None):
        return self._workflow_response(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._workflow_response(request, obj) or super().response_change(request, obj)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicAdminForm
    list_display = ["name", "slug", "explainer_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # Explicit, because the count annotation's GROUP BY drops the model's default ordering.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(explainer_count=Count("explainers"))

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
        return super().get_queryset(request).annotate(explainer_count=Count("explainer_links"))

    def save_model(self, request, obj, form, change):
        # The service saves it and refreshes the search document of every explainer citing it.
        source_article_save(source=obj)

    @admin.display(description=_("explainers"), ordering="explainer_count")
    def explainer_count(self, obj):
        return obj.explainer_count

    @admin.display(description=_("cited by"))
    def cited_by(self, obj):
        explainers = obj.explainers.order_by("title") if obj.pk else []
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
    list_filter = ["kind", "significant"]
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
                if live_for_non_publisher(request, cleaned_data.get("explainer")):
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
