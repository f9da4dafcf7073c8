"""The stored files the explainers app still names, for `core.media`'s unused-file purge:
lead images and figures of every explainer (live, draft, archived, working drafts) and every
revision snapshot, since a restore brings a revision's images back."""

from .models import DetailSection, Explainer, Revision


def image_names_in_use():
    rows = Explainer._base_manager.exclude(lead_image="").values_list("lead_image", flat=True)
    yield from rows.iterator(chunk_size=2000)
    figures = DetailSection._base_manager.exclude(figure_image="").values_list(
        "figure_image", flat=True
    )
    yield from figures.iterator(chunk_size=2000)
    for snapshot in Revision.objects.values_list("snapshot", flat=True).iterator(chunk_size=500):
        yield snapshot.get("lead_image") or ""
        for section in snapshot.get("sections", []):
            yield section.get("figure_image") or ""
