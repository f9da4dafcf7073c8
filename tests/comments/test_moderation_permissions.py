"""Who may use the moderators' tool: every page and every action, for every role."""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from comments import counters
from comments.models import Comment, ModerationAction
from comments.moderation_queries import TABS
from explainers.models import Explainer
from readers.models import ReaderProfile
from tests.factories import ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db


Status = Comment.Status


def make_comment(*, explainer, status=Status.PENDING, user=None, **kwargs):
    if user is None:
        kwargs.setdefault("guest_name", "A guest")
    comment = Comment.objects.create(
        explainer=explainer,
        user=user,
        status=status,
        body=kwargs.pop("body", "A comment with enough words."),
        **kwargs,
    )
    # Stored as the services store one: a published comment is counted on its explainer.
    counters.comment_visibility_changed(
        comment, was_visible=False, is_visible=counters.is_visible(status)
    )
    return comment


@pytest.fixture
def world(reader):
    explainer = ExplainerFactory(published=True)
    return SimpleNamespace(
        explainer=explainer,
        closed_explainer=ExplainerFactory(published=True, comment_mode="closed"),
        author=reader,
        pending=make_comment(explainer=explainer, user=reader),
        approved=make_comment(explainer=explainer, status=Status.APPROVED),
        rejected=make_comment(explainer=explainer, status=Status.REJECTED),
    )


PAGES = {
    "queue": lambda w: reverse("moderation:queue"),
    **{
        f"tab-{tab}": lambda w, tab=tab: reverse("moderation:tab", kwargs={"tab": tab})
        for tab in TABS
    },
    "log": lambda w: reverse("moderation:log"),
    "thread": lambda w: reverse("moderation:thread", kwargs={"pk": w.explainer.pk}),
    "commenter": lambda w: reverse("moderation:commenter", kwargs={"pk": w.author.pk}),
    "author": lambda w: reverse("moderation:author", kwargs={"pk": w.approved.pk}),
}

# Each action with a POST that would change something if the user were allowed to.
ACTIONS = {
    "approve": lambda w: (reverse("moderation:approve", kwargs={"pk": w.pending.pk}), {}),
    "reject": lambda w: (
        reverse("moderation:reject", kwargs={"pk": w.pending.pk}),
        {"reason": "off_topic"},
    ),
    "spam": lambda w: (reverse("moderation:spam", kwargs={"pk": w.pending.pk}), {}),
    "remove": lambda w: (reverse("moderation:remove", kwargs={"pk": w.approved.pk}), {}),
    "restore": lambda w: (reverse("moderation:restore", kwargs={"pk": w.rejected.pk}), {}),
    "bulk": lambda w: (
        reverse("moderation:bulk"),
        {"comments": [w.pending.pk, w.approved.pk], "action": "spam"},
    ),
    "close": lambda w: (
        reverse("moderation:mode", kwargs={"pk": w.explainer.pk}),
        {"mode": "closed"},
    ),
    "open": lambda w: (
        reverse("moderation:mode", kwargs={"pk": w.closed_explainer.pk}),
        {"mode": "open"},
    ),
    "trust": lambda w: (
        reverse("moderation:trust", kwargs={"pk": w.author.pk}),
        {"trust": "granted"},
    ),
}


def snapshot(world):
    """Everything an action could change."""
    return (
        sorted(Comment.objects.values_list("pk", "status")),
        ModerationAction.objects.count(),
        sorted(Explainer.objects.values_list("pk", "comment_mode")),
        sorted(ReaderProfile.objects.values_list("user", "trust")),
    )


@pytest.fixture
def as_role(client, request):
    def _as(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return _as


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(client, world, page):
    url = PAGES[page](world)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_post_to_an_action_is_sent_to_sign_in_and_changes_nothing(client, world, action):
    url, data = ACTIONS[action](world)
    before = snapshot(world)
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot(world) == before


@pytest.mark.parametrize("role", ["reader", "editor", "contributor"])
@pytest.mark.parametrize("page", PAGES)
def test_signed_in_user_without_the_permission_gets_403_on_every_page(as_role, world, role, page):
    response = as_role(role).get(PAGES[page](world))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["reader", "editor"])
@pytest.mark.parametrize("action", ACTIONS)
def test_signed_in_user_without_the_permission_gets_403_on_every_action(
    as_role, world, role, action
):
    url, data = ACTIONS[action](world)
    before = snapshot(world)
    response = as_role(role).post(url, data)
    assert response.status_code == 403
    assert snapshot(world) == before


@pytest.mark.parametrize("page", PAGES)
def test_moderator_sees_every_page(as_role, world, page):
    response = as_role("moderator").get(PAGES[page](world))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_superuser_sees_every_page(client, world, page):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(PAGES[page](world)).status_code == 200


@pytest.mark.parametrize("action", ACTIONS)
def test_moderator_post_to_every_action_changes_it_and_redirects(as_role, world, action):
    url, data = ACTIONS[action](world)
    before = snapshot(world)
    response = as_role("moderator").post(url, data)
    assert response.status_code == 302
    assert snapshot(world) != before


def test_superuser_may_moderate(client, world):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(reverse("moderation:approve", kwargs={"pk": world.pending.pk}))
    assert response.status_code == 302
    world.pending.refresh_from_db()
    assert world.pending.status == Status.APPROVED


@pytest.mark.parametrize("action", ACTIONS)
def test_get_on_an_action_is_405_and_changes_nothing(as_role, world, action):
    url, data = ACTIONS[action](world)
    before = snapshot(world)
    response = as_role("moderator").get(url, data)
    assert response.status_code == 405
    assert snapshot(world) == before


@pytest.mark.parametrize("page", PAGES)
def test_pages_refuse_post(as_role, world, page):
    assert as_role("moderator").post(PAGES[page](world)).status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_post_without_a_csrf_token_is_403_and_changes_nothing(moderator, world, action):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    url, data = ACTIONS[action](world)
    before = snapshot(world)
    response = client.post(url, data)
    assert response.status_code == 403
    assert snapshot(world) == before


def test_post_with_the_csrf_token_is_accepted(moderator, world):
    """The CSRF test above fails for the right reason: with the token, the same POST works."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    client.get(reverse("moderation:queue"))
    token = client.cookies["csrftoken"].value
    url, data = ACTIONS["approve"](world)
    response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    world.pending.refresh_from_db()
    assert world.pending.status == Status.APPROVED


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_never_cached_and_not_indexed(as_role, world, page):
    response = as_role("moderator").get(PAGES[page](world))
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_the_sign_in_redirect_is_not_cached_either(client, world):
    response = client.get(reverse("moderation:queue"))
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/moderation/log/1/delete/",
        "/moderation/log/1/",
        "/moderation/comments/1/delete/",
        "/moderation/comments/1/",
        "/moderation/users/1/delete/",
    ],
)
def test_there_is_no_url_to_delete_or_edit_anything(path):
    with pytest.raises(Resolver404):
        resolve(path)
