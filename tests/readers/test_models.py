import pytest

from readers.models import ReaderProfile, public_name
from tests.factories import ReaderProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_display_name_with_nothing_visible_is_no_name_whatever_the_door():
    user = UserFactory(first_name="", last_name="")
    # Saved straight on the model, as the admin's form does: no service on the way.
    ReaderProfile.objects.create(user=user, display_name="\u200b\u200d")
    assert ReaderProfile.objects.get(user=user).display_name == ""
    assert public_name(user) == "Reader"


def test_a_display_name_keeps_its_visible_text_without_control_characters():
    profile = ReaderProfileFactory(display_name="Hana\x01")
    profile.refresh_from_db()
    assert profile.display_name == "Hana"
