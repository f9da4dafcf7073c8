"""Forms for the editors' admin.

The ordered parts of an explainer (key points, detail sections, cited sources) carry a
`UniqueConstraint(explainer, position)`. Drag-and-drop reordering submits a whole new order at
once, which Django's inline formsets cannot save as-is: rows are checked and saved one by one,
so swapping positions 1 and 2 collides with the row that still holds the other position.
`PositionedInlineForm` + `PositionedInlineFormSet` keep the rule (no two rows of one explainer
share a position) and make reordering work.
"""

import unicodedata

from adminsortable2.admin import CustomInlineFormSet
from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext_lazy as _

from core import text
from core.images import CheckedImageFormField

from .models import Explainer, Topic

# Far above any real position, so rows parked there cannot collide with the new order.
POSITION_PARKING_OFFSET = 1_000_000


class PositionedInlineForm(forms.ModelForm):
    """One ordered part of an explainer.

    Its position is checked for uniqueness against the other rows *in the same submission*
    (by the formset), not against the database, where the rows being reordered still hold
    their old positions until the formset saves them.
    """

    def clean_position(self):
        position = self.cleaned_data.get("position")
        # A new row has no place yet (sortable2 leaves 0 or nothing): the formset appends it
        # after the others. None keeps several new rows from "sharing" position 0.
        if self.instance._state.adding and not position:
            return None
        return position

    def validate_unique(self):
        # Django 5.2 already leaves Meta UniqueConstraints out of an inline form's own check
        # (the parent key is excluded), but a unique_together would be checked against the
        # database here; position is excluded explicitly so reordering never depends on that.
        exclude = self._get_validation_exclusions()
        exclude.add("position")
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as e:
            self._update_errors(e)


class StorableChoicesMixin:
    """An autocomplete widget that only looks up values its key column can hold.

    Django's widget renders the chosen options by querying with the submitted values as they
    are, so a re-shown form (or `?explainer=` on an add page) holding "abc", a NUL or a
    30-digit number crashed with a server error instead of showing the field's own error.
    Such values match nothing anyway; they are left out of the lookup.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        return super().optgroups(name, [v for v in value if _storable(target, v)], attr)


def _storable(field, value) -> bool:
    try:
        # to_python parses; the validators hold the column's range on this database.
        field.clean(value, None)
    except ValidationError:
        return False
    return True


class SafeAutocompleteSelect(StorableChoicesMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(StorableChoicesMixin, AutocompleteSelectMultiple):
    pass


class RowAutocompleteSelect(SafeAutocompleteSelect):
    """The admin's autocomplete select, labelled from the row's own, already fetched object.

    Django's widget looks its chosen option up with one query per widget, so an inline with an
    autocomplete field costs a query per row. The inline fetches each row's object with the
    rows (select_related) and hands it over as `chosen`; any other value (a re-shown form with
    a new choice) falls back to Django's lookup.
    """

    chosen = None

    def optgroups(self, name, value, attr=None):
        chosen = self.chosen
        values = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if chosen is None or values != {str(chosen.pk)}:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(chosen)
        options.append(self.create_option(name, chosen.pk, label, True, len(options)))
        return [(None, options, 0)]


class CitedSourceInlineForm(PositionedInlineForm):
    """A cited source row: its autocomplete shows the source fetched with the row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("source")
        widget = getattr(field.widget, "widget", field.widget) if field else None
        if isinstance(widget, RowAutocompleteSelect) and self.instance.source_id:
            widget.chosen = self.instance.source


class PositionedInlineFormSet(CustomInlineFormSet):
    """Saves a new order of an explainer's parts without tripping the position constraint.

    Validation: the formset's own `validate_unique` still rejects two submitted rows with the
    same position; each form skips the database check (see PositionedInlineForm).

    Saving: inside one transaction, rows whose position changes and rows being deleted are
    first parked far out of the way, then every row is saved at its new place. New rows
    without a position are appended after the existing ones (sortable2's save_new).
    """

    def save(self, commit=True):
        if not commit:
            # Parked rows must be saved back in the same transaction; with commit=False the
            # caller saves them, so nothing is moved here.
            return super().save(commit=False)
        with transaction.atomic():
            self._park_moving_rows()
            return super().save(commit=True)

    def _park_moving_rows(self):
        deleted = set(self.deleted_forms)
        pks = [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk and (form in deleted or "position" in form.changed_data)
        ]
        if pks:
            self.model._default_manager.filter(pk__in=pks).update(
                position=F("position") + POSITION_PARKING_OFFSET
            )


def is_prefill_leftover(title: str, slug: str) -> bool:
    """True when `slug` is only what the admin's pre-fill script kept of a Japanese title.

    The script (Django's URLify) drops every non-ASCII character, so 「2026年の予算案」 becomes
    "2026" and 「AI規制の行方」 "ai": neither readable nor likely to be unique. Such a slug is
    treated as blank, so the title is romanised instead.
    """
    if not slug or not text.is_cjk(title):
        return False
    return slug in {slugify(title), slugify(unicodedata.normalize("NFKC", title))}


def make_slug_optional(form, model, note):
    """A blank slug is allowed: the model's save() makes a unique one (see unique_slug)."""
    if "slug" in form.fields:
        form.fields["slug"].required = False
        form.fields["slug"].help_text = format_lazy(
            "{} {}", model._meta.get_field("slug").help_text, note
        )


def clear_prefill_leftover(form, cleaned_data, source_field):
    """On a new object, the pre-fill's leftovers of a Japanese title count as blank."""
    if form.instance._state.adding and is_prefill_leftover(
        cleaned_data.get(source_field, ""), cleaned_data.get("slug", "")
    ):
        cleaned_data["slug"] = ""
    return cleaned_data


# Every image the admin takes is checked with our messages (core.images) before Django's.
CHECKED_IMAGES = {models.ImageField: {"form_class": CheckedImageFormField}}


class ExplainerAdminForm(forms.ModelForm):
    """The explainer's own fields. The slug may be left blank: a Japanese title has no ASCII
    letters for the admin's slug pre-fill to use, so `Explainer.save()` romanises the title
    into a unique slug instead. On a new explainer, the pre-fill's leftovers of a Japanese
    title ("2026" from 「2026年の予算案」) count as blank too."""

    class Meta:
        model = Explainer
        fields = [
            "title",
            "slug",
            "language",
            "introduction",
            "summary",
            "topics",
            "lead_image",
            "lead_image_alt",
            "lead_image_caption",
            "lead_image_credit",
            "publish_at",
            "comment_mode",
        ]

    # Not the explainer's own fields: what the review buttons need (ExplainerAdmin shows them
    # in a "Review" fieldset only where they apply).
    change_request_note = forms.CharField(
        label=_("Note to the author"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("What should change. Sent with “Request changes” and kept in the history."),
    )
    significant_change = forms.BooleanField(
        label=_("Significant change"),
        required=False,
        help_text=_(
            "Tick when readers should be told: “Publish changes” then moves the explainer's "
            "updated time, its sitemap entry and its place in feeds. A typo fix is not."
        ),
    )

    # A working draft's form carries the draft as it was when the form was opened (its
    # modified_at): a save, or "Save and publish changes", from a form someone else's save has
    # overtaken is refused instead of overwriting their text. ExplainerAdmin shows it (hidden)
    # on working drafts only.
    seen_version = forms.CharField(required=False, widget=forms.HiddenInput)

    class Media:
        # Clears the admin's slug pre-fill while the title is Japanese (see the script).
        js = ["js/admin-slug.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        make_slug_optional(
            self,
            Explainer,
            _("Leave blank to make one from the title (Japanese titles are romanised)."),
        )
        if self.instance.pk and self.instance.draft_of_id:
            self.fields["seen_version"].initial = self._version()

    def _version(self) -> str:
        # The stored value: the instance is read from the database for each request.
        return self.instance.modified_at.isoformat() if self.instance.modified_at else ""

    def clean(self):
        cleaned = clear_prefill_leftover(self, super().clean(), "title")
        stale = cleaned.get("seen_version") != self._version()
        if self.instance.pk and self.instance.draft_of_id and stale:
            raise forms.ValidationError(
                _("Someone saved this draft since you opened it: reload to see their changes."),
                code="stale",
            )
        return cleaned


class RevisionCompareForm(forms.Form):
    """The two revisions a compare page shows (?a=&b=); anything else is a 400, not a 500."""

    a = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    b = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class TopicAdminForm(forms.ModelForm):
    """A topic; a blank slug is made from the name by `Topic.save()` (romanised when the name
    is Japanese)."""

    class Meta:
        model = Topic
        fields = ["name", "slug", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        make_slug_optional(self, Topic, _("Leave blank to make one from the name."))

    def clean(self):
        return clear_prefill_leftover(self, super().clean(), "name")
