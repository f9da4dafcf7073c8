import pytest

from explainers.models import Explainer
from tests.factories import ExplainerFactory

pytestmark = pytest.mark.django_db


def test_published_explainer_is_listed(client):
    explainer = ExplainerFactory(published=True, key_points=3, sections=2, sources=1)
    assert explainer in Explainer.objects.published()
    response = client.get(explainer.get_absolute_url())
    assert response.status_code == 200
    assert explainer.sections.first().anchor in response.content.decode()
