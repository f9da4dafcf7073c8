"""Badges come from the author's role (Comment.badge, filled by 0010), so the old "editor
comment" flag goes; each comment gets the language its text is written in."""

import re
import unicodedata

from django.db import migrations, models

# The rule of core.text.language_of, frozen here: Japanese when the text has kana or kanji and
# Latin letters are not the majority of its letters, English otherwise.
_CJK = re.compile(
    "[\u3005\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]"
)
_LATIN = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
BATCH = 1000


def _language_of(text):
    text = unicodedata.normalize("NFKC", text or "")
    japanese = len(_CJK.findall(text))
    if not japanese:
        return "en"
    return "en" if len(_LATIN.findall(text)) > japanese else "ja"


def badges_and_languages(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    # A comment flagged between 0010 and this migration keeps its badge too.
    Comment.objects.filter(is_staff_comment=True, badge="").update(badge="editor")
    english = []
    for pk, body in Comment.objects.values_list("pk", "body").order_by("pk").iterator(BATCH):
        if _language_of(body) == "en":
            english.append(pk)
        if len(english) >= BATCH:
            Comment.objects.filter(pk__in=english).update(language="en")
            english = []
    if english:
        Comment.objects.filter(pk__in=english).update(language="en")


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0010_featured_guest_key_badges_suspensions"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="language",
            field=models.CharField(
                default="ja",
                editable=False,
                help_text="The language the text is written in (core.text.language_of), on save.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.RunPython(badges_and_languages, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="comment",
            name="is_staff_comment",
        ),
    ]
