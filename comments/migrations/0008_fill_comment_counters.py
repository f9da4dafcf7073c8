"""Fill the explainers' comment counters from the comments they have.

From here on `comments.counters` keeps them, in the transaction that changes a comment's
visibility. One UPDATE with a counted subquery per column, each read from the comments'
(explainer, status, created_at) index. "Visible" is `Comment.objects.visible()`: approved.
"""

from django.db import migrations
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

VISIBLE = "approved"


def fill(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    Explainer = apps.get_model("explainers", "Explainer")

    def counted(**filters):
        visible = (
            Comment.objects.filter(explainer_id=OuterRef("pk"), status=VISIBLE, **filters)
            .order_by()
            .values("explainer_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Coalesce(Subquery(visible, output_field=IntegerField()), 0)

    Explainer.objects.update(
        comment_count=counted(), comment_thread_count=counted(parent__isnull=True)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0007_moderators_open_close_comments"),
        ("explainers", "0006_comment_counters_related_indexes"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
