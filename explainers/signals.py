"""Keep each explainer's derived search document and reading time true to its parts."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import DetailSection, Explainer, ExplainerSource, KeyPoint, SourceArticle


@receiver(post_save, sender=KeyPoint)
@receiver(post_delete, sender=KeyPoint)
@receiver(post_save, sender=DetailSection)
@receiver(post_delete, sender=DetailSection)
@receiver(post_save, sender=ExplainerSource)
@receiver(post_delete, sender=ExplainerSource)
def refresh_parent(sender, instance, raw=False, **kwargs):
    if raw:
        return
    explainer = Explainer.objects.filter(pk=instance.explainer_id).first()
    if explainer is not None:
        explainer.refresh_derived()


@receiver(post_save, sender=Explainer)
def refresh_self(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (
        update_fields
        and set(update_fields)
        <= {"status", "publish_at", "first_published_at", "modified_at", "significant_update_at"}
    ):
        return
    instance.refresh_derived()


@receiver(post_save, sender=SourceArticle)
def refresh_citing(sender, instance, raw=False, **kwargs):
    if raw:
        return
    for explainer in Explainer.objects.filter(source_links__source=instance).distinct():
        explainer.refresh_derived()
