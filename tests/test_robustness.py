"""A robustness sweep over every URL of the project.

Bad input never gives a server error, redirects never leave the site, and editor text never
runs script. The URL list is not written by hand: it is walked from the resolver, so a new
page is swept as soon as it is routed (and a path parameter this file cannot fill fails the
sweep instead of being skipped).

Each path parameter is filled with real objects made by the factories and with hostile
values; each page is requested with GET and POST, with hostile query strings and form data,
as every role. Requests that write are rolled back to a savepoint so every request sees the
same world. `Client(raise_request_exception=False)` turns an exception into the 500 page
that a reader would get, which is what the sweep looks for.
"""

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlsplit

import lxml.html
import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls import path as url_path

from comments.models import Comment, GuestReplySubscription, Notification, ReaderSuspension
from config import urls as site_urls
from desk import notifications as desk_emails
from desk.models import CorrectionComment, CorrectionRequest, RequestNotification
from explainers import notifications as workflow_emails
from explainers import revisions
from explainers.models import Explainer, SourceArticle, Topic
from readers import unsubscribe
from tests.factories import (
    PASSWORD,
    AuthorProfileFactory,
    CommentFactory,
    CommentReportFactory,
    CorrectionFactory,
    DetailSectionFactory,
    ExplainerFactory,
    ExplainerSourceFactory,
    KeyPointFactory,
    ModerationActionFactory,
    ReaderProfileFactory,
    SourceArticleFactory,
    TopicFactory,
    UserFactory,
    WordListEntryFactory,
)

pytestmark = pytest.mark.django_db

LONG = "a" * 3000
# Raw values; they are percent-encoded into the path, which the server decodes again.
HOSTILE_PATH_VALUES = [
    "\x00",
    LONG,
    "../",
    "-1",
    "999999999",
    "9" * 30,  # more digits than any integer column holds
    "abc\u202edef",
    "<script>alert(1)</script>",
    "%",
]
# The newsroom's roles (tests/conftest.py), and a superuser for the admin pages no role reaches.
ROLES = ["anonymous", "reader", "contributor", "editor", "moderator", "superuser"]

# Each hostile query parameter on its own, on the pages whose lists or forms read it.
HOSTILE_QUERIES = [
    "page=0",
    "page=-1",
    "page=%00",
    "page=99999",
    "page=abc",
    "page=" + "9" * 30,
    "cpage=abc",
    "cpage=0",
    "cpage=-1",
    "cpage=%00",
    "cpage=99999",
    "q=" + "x" * 10_000,
    "q=%00",
    "q=%00%01%1b",
    "q=%E2%80%AE%3Cscript%3E",
    "q=%25",
    "q=_",
    "explainer=abc",
    "explainer=%00",
    "explainer=-1",
    "explainer=" + "9" * 30,
    "actor=abc",
    "actor=%00",
    "actor=" + "9" * 30,
    "next=https://evil.example/",
    "next=//evil.example",
    "next=/%5Cevil.example",
    "next=https:evil.example",
    "next=%00",
    "lang=",
    "lang=%00",
    "lang=xx",
    "posted=%3Cscript%3E",
    "reported=%00",
    "o=abc",
    "o=-",
    "o=99",
    "p=-1",
    "p=abc",
    "e=1",
    "all=",
    "status__exact=%00",
    "language__exact=zz",
    "topics__id__exact=abc",
    "created_at__gte=%00",
    "_changelist_filters=%00",
    "_popup=1&_to_field=password",
]
# Several hostile parameters at once, for every routed page (cheaper than one at a time).
HOSTILE_QUERY_BUNDLES = [
    "page=0&cpage=abc&explainer=abc&actor=abc&next=https://evil.example/&lang=&o=abc&p=-1&q="
    + "x" * 10_000,
    "page=%00&cpage=%00&explainer=%00&actor="
    + "9" * 30
    + "&next=//evil.example&lang=%00&o=-&p=abc&q=%00&posted=%00",
]
# Relation lookups the admin lets through from its list's query string.
ADMIN_RELATION_LOOKUPS = [
    "explainer",
    "explainer__in",
    "explainer__id__exact",
    "byline",
    "topics",
    "topics__id__exact",
    "parent",
    "comment",
    "actor",
    "user",
    "id__in",
]
NEXT_VALUES = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "https:evil.example",
    " //evil.example",
]


# --- The world: one of every object a URL can name ---------------------------------------


@dataclass
class World:
    users: dict
    explainer: Explainer
    draft: Explainer
    topic: Topic
    source: SourceArticle
    comment: Comment
    pending: Comment
    reply: Comment
    guest_comment: Comment


def make_world(editor, contributor, moderator, reader) -> World:
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    ReaderProfileFactory(user=reader, display_name="Reader")
    EmailAddress.objects.create(user=reader, email=reader.email, verified=True, primary=True)
    topic = TopicFactory()
    explainer = ExplainerFactory(published=True, key_points=3, sections=2, byline=editor)
    AuthorProfileFactory(user=editor, name="Hanako Sato")
    explainer.topics.add(topic)
    source = SourceArticleFactory()
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    correction = CorrectionFactory(explainer=explainer)
    draft = ExplainerFactory(key_points=1, sources=1)
    comment = CommentFactory(explainer=explainer, user=reader, guest_name="", guest_email="")
    reply = CommentFactory(explainer=explainer, parent=comment)
    pending = CommentFactory(explainer=explainer, status="pending")
    guest_comment = CommentFactory(explainer=explainer)
    ModerationActionFactory(comment=pending, actor=moderator)
    CommentReportFactory(comment=guest_comment, reporter=reader)
    WordListEntryFactory(word="forbidden", kind="hold")
    # A reader's correction request, its email and the comment that prompted the correction.
    request = CorrectionRequest.objects.create(
        explainer=explainer, text="The date is wrong.", email="asker@example.net"
    )
    RequestNotification.objects.create(key=f"confirm:{request.pk}", kind="confirm", request=request)
    CorrectionComment.objects.create(correction=correction, comment=comment)
    # The outbox, with a failed email and a guest's reply subscription, as staff see them.
    subscription = GuestReplySubscription.objects.create(
        comment=guest_comment, email="guest@example.net"
    )
    Notification.objects.create(
        key=f"reply:{guest_comment.pk}:user:{reader.pk}",
        kind="reply",
        recipient=reader,
        comment=guest_comment,
        status="failed",
        last_error="SMTPServerDisconnected",
    )
    Notification.objects.create(
        key=f"guest-confirm:{subscription.pk}",
        kind="guest_confirm",
        guest_subscription=subscription,
        comment=guest_comment,
    )
    return World(
        users={
            "reader": reader,
            "contributor": contributor,
            "editor": editor,
            "moderator": moderator,
            "superuser": superuser,
        },
        explainer=explainer,
        draft=draft,
        topic=topic,
        source=source,
        comment=comment,
        pending=pending,
        reply=reply,
        guest_comment=guest_comment,
    )


@pytest.fixture
def world(editor, contributor, moderator, reader):
    return make_world(editor, contributor, moderator, reader)


def client_for(role: str, world: World) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# --- Walking the resolver ----------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def url_patterns():
    """(template, name) for every URL pattern, with the includes' prefixes joined on."""

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            else:
                yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}"

    return list(walk(get_resolver().url_patterns, "", ""))


def _regex_groups(template: str):
    """(name, start, end) of every `(?P<name>...)` group, nested parentheses included."""
    for match in re.finditer(r"\(\?P<(\w+)>", template):
        depth, index = 0, match.start()
        while True:
            char = template[index]
            if char == "\\":
                index += 2
                continue
            depth += {"(": 1, ")": -1}.get(char, 0)
            index += 1
            if depth == 0:
                break
        yield match.group(1), match.start(), index


def param_names(template: str) -> list[str]:
    names = [m.group("name") for m in _ROUTE_PARAM.finditer(template)]
    return names + [name for name, _start, _end in _regex_groups(template)]


def fill(template: str, values: dict) -> str:
    """A request path from a pattern, each parameter replaced by its percent-encoded value."""
    for name, start, end in reversed(list(_regex_groups(template))):
        template = template[:start] + quote(values[name], safe="") + template[end:]
    template = _ROUTE_PARAM.sub(lambda m: quote(values[m.group("name")], safe=""), template)
    return "/" + template.replace("^", "").replace("$", "")


def admin_model(template: str):
    """The model class an admin object URL names (admin/<app>/<model>/<path:object_id>/...)."""
    parts = template.split("/")
    return ContentType.objects.get_by_natural_key(parts[1], parts[2]).model_class()


def real_values(template: str, name: str, world: World) -> list[str]:
    """Values for a path parameter that name real objects (or real choices) in the world."""
    explainer, reader = world.explainer, world.users["reader"]
    # Reader pages sit under a language prefix (i18n_patterns): match them without it.
    template = re.sub(r"^(?:en|ja)/", "", template)
    if name == "object_id" and template.startswith("admin/r/"):
        return [str(explainer.pk)]
    if name == "content_type_id":
        return [str(ContentType.objects.get_for_model(Explainer).pk)]
    if name == "path" and template.startswith("^media/"):
        # Uploaded media, which Django serves only without nginx (tests, make run).
        probe = Path(settings.MEDIA_ROOT) / "robustness" / "probe.txt"
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text("probe")
        return ["robustness/probe.txt"]
    if name == "object_id" and "/revisions/" in template:
        return [str(explainer.pk)]  # the explainer whose revision `revision_id` names
    if name in {"object_id", "id"}:
        model = admin_model(template) if name == "object_id" else type(reader)
        pks = [str(pk) for pk in model.objects.values_list("pk", flat=True)[:2]]
        # A model the world holds no row of (the task backend's results): a missing object
        # must answer cleanly too.
        return pks or ["1"]
    if name == "app_label":
        return ["explainers", "comments", "desk", "auth", "sites", "account"]
    if name == "url":
        return ["no-such-page/", "explainers/explainer/add/extra/"]
    if name == "slug":
        if "topics/" in template:
            return [world.topic.slug]
        if "authors/" in template:
            return [world.users["editor"].author_profile.slug]
        return [explainer.slug, world.draft.slug]
    if name == "comment_id":
        return [str(world.comment.pk), str(world.reply.pk), str(world.pending.pk)]
    if name == "pk":
        if template.startswith("sources/"):
            return [str(world.source.pk), str(world.draft.source_links.get().source_id)]
        if "explainers/" in template:
            return [str(explainer.pk), str(world.draft.pk)]
        if "users/" in template:
            return [str(reader.pk), str(world.users["moderator"].pk)]
        if "comments/" in template:
            return [str(c.pk) for c in (world.comment, world.pending, world.guest_comment)]
        if "suspensions/" in template:
            # Another reader's ban: the world's reader stays free to post and report.
            suspension = ReaderSuspension.objects.first() or ReaderSuspension.objects.create(
                user=UserFactory(username="banned"), kind="ban", reason="abusive"
            )
            return [str(suspension.pk)]
    if name == "section":
        return ["explainers", "topics", "sources", "authors"]
    if name == "tab":
        return ["pending", "reported", "approved", "rejected", "spam", "removed"]
    if name == "code":
        return ["en", "ja"]
    if name == "token" and "corrections/confirm/" in template:
        return [desk_emails.confirm_token(CorrectionRequest.objects.get())]
    if name == "token" and "workflow-emails/" in template:
        return [workflow_emails.unsubscribe_token(world.users["editor"])]
    if name == "token":
        return [unsubscribe.unsubscribe_token(user=reader, kind=k) for k in unsubscribe.KINDS]
    if name == "revision_id":
        revision = explainer.revisions.first() or revisions.record(
            explainer=explainer, event="edit"
        )
        return [str(revision.pk)]
    if name == "key":
        address = EmailAddress.objects.get(user=reader)
        if "password/" in template:
            return [default_token_generator.make_token(reader)]
        return [EmailConfirmationHMAC(address).key]
    if name == "uidb36":
        return [user_pk_to_url_str(reader)]
    raise AssertionError(f"The sweep has no real value for <{name}> in {template!r}: add one.")


def paths(template: str, world: World, *, hostile: bool, values=HOSTILE_PATH_VALUES) -> list[str]:
    """Request paths for one pattern: real values for every parameter, then each parameter
    in turn replaced by each hostile value."""
    names = param_names(template)
    real = {name: real_values(template, name, world) for name in names}
    result = []
    first_real = {name: choices[0] for name, choices in real.items()}
    for name in names:
        for value in real[name][1:]:
            result.append(fill(template, {**first_real, name: value}))
    result.insert(0, fill(template, first_real))
    if hostile:
        for name in names:
            for value in values:
                result.append(fill(template, {**first_real, name: value}))
    return list(dict.fromkeys(result))


AREAS = {
    "admin": lambda t: t.startswith("admin/"),
    "accounts": lambda t: t.startswith("accounts/"),
    "moderation": lambda t: t.startswith("moderation/"),
    "comments": lambda t: t.startswith("comments/"),
    "site": lambda t: not t.startswith(("admin/", "accounts/", "moderation/", "comments/")),
}


def templates_in(area: str) -> list[str]:
    return [template for template, _name in url_patterns() if AREAS[area](template)]


# --- Checking a response -----------------------------------------------------------------


def own_hosts() -> set[str]:
    return {"", "testserver", urlsplit(settings.SITE_URL).netloc}


def leaves_site(location: str) -> bool:
    """True when a browser would follow this Location to another host.

    Browsers read a backslash as a slash and ignore leading whitespace and control characters,
    so "/\\evil.example" and " //evil.example" count as leaving too. SITE_URL's host is ours.
    """
    normalised = re.sub(r"^[\x00-\x20]+", "", location).replace("\\", "/")
    parts = urlsplit(normalised)
    if parts.scheme and parts.scheme not in {"http", "https"}:
        return True
    if parts.scheme and not parts.netloc:  # "https:evil.example"
        return True
    return parts.netloc not in own_hosts()


def problem(method: str, path: str, response) -> str | None:
    if response.status_code >= 500:
        return f"{method} {path[:160]} → {response.status_code}"
    location = response.headers.get("Location")
    if location is not None and leaves_site(location):
        return f"{method} {path[:160]} → open redirect to {location[:160]}"
    return None


class Sweep:
    """Sends requests as one role and collects every problem; writes are rolled back."""

    def __init__(self, role: str, world: World):
        self.client = client_for(role, world)
        self.problems = []
        self.requests = 0

    def request(self, method: str, path: str, data=None):
        cookies = SimpleCookie()
        cookies.update(self.client.cookies)
        savepoint = transaction.savepoint()
        try:
            if method == "GET":
                response = self.client.get(path)
            else:
                response = self.client.post(path, data or {})
        finally:
            transaction.savepoint_rollback(savepoint)
            # A logout or an account deletion must not sign the rest of the sweep out.
            self.client.cookies = cookies
        self.requests += 1
        found = problem(method, path, response)
        if found:
            self.problems.append(found)
        return response

    def report(self):
        assert self.requests > 0
        assert not self.problems, f"{len(self.problems)} problem(s):\n" + "\n".join(self.problems)


FORM_FIELDS = [
    "body", "name", "email", "website", "issued", "reason", "note", "trust", "action",
    "explainer", "actor", "q", "title", "slug", "language", "introduction", "summary", "status",
    "publish_at_0", "publish_at_1", "created_at_0", "created_at_1", "password", "password1",
    "password2", "oldpassword", "login", "remember", "display_name", "notify_replies",
    "notify_decisions", "confirm", "code", "word", "kind", "username", "first_name",
    "last_name", "url", "publisher", "published_on", "author", "text", "heading", "position",
    "significant", "source", "comment", "reporter", "user", "domain", "index", "select_across",
    "_save", "_continue", "action_primary", "action_remove", "action_send", "email_address",
]  # fmt: skip


def hostile_form(value: str) -> dict:
    """Form data naming every field our forms, allauth's and the admin's read, all hostile."""
    data = dict.fromkeys(FORM_FIELDS, value)
    data["comments"] = [value, "abc", "9" * 30, "-1"]
    data["_selected_action"] = [value, "9" * 30]
    data["topics"] = [value, "9" * 30]
    data["next"] = "https://evil.example/"
    return data


MARKUP = '"><script>alert(1)</script><img src=x onerror=alert(1)>\u202e'
HOSTILE_FORMS = {
    # NUL in every field: PostgreSQL refuses it in any query or row.
    "nul": hostile_form("\x00"),
    # Markup, over-long text and over-large numbers, each field getting one of them in turn.
    "mixed": {
        name: [MARKUP, LONG, "9" * 30][index % 3] if isinstance(value, str) else value
        for index, (name, value) in enumerate(hostile_form("").items())
    }
    | {"next": "//evil.example", "body": LONG * 4},
}


# --- The sweep ---------------------------------------------------------------------------


def test_every_url_pattern_gets_real_values_for_its_parameters(world):
    """The sweep can fill every parameter of every routed URL (a guard: a new parameter name
    fails here instead of quietly going unswept), and the real values name real objects, so
    the sweep reaches the views rather than a 404 for every address."""
    templates = [template for template, _name in url_patterns()]
    assert len(templates) > 100
    assert sum(len(templates_in(area)) for area in AREAS) == len(templates)
    client = client_for("superuser", world)
    for template in templates:
        path = paths(template, world, hostile=False)[0]
        assert "<" not in path and "(?P" not in path, path
        if param_names(template) and "(?P<url>" not in template:  # the admin's catch-all
            assert client.get(path).status_code != 404, path


@pytest.mark.parametrize("location", NEXT_VALUES + ["javascript:alert(1)", "http://evil.example/"])
def test_a_location_to_another_host_counts_as_leaving(location):
    assert leaves_site(location)


@pytest.mark.parametrize("location", ["/", "/admin/?e=1", "http://testserver/x", "?page=2"])
def test_a_location_on_this_site_does_not_count_as_leaving(location):
    assert not leaves_site(location)


# The admin checks permissions before it reads a path value, so hostile values in admin
# addresses are sent by a role that passes no check and by one that passes them all.
HOSTILE_ADMIN_PATHS_FOR = {"anonymous", "superuser"}


@pytest.mark.parametrize("role", ROLES)
def test_get_with_real_and_hostile_path_values_never_errors(role, world):
    sweep = Sweep(role, world)
    for area in AREAS:
        hostile = area != "admin" or role in HOSTILE_ADMIN_PATHS_FOR
        for template in templates_in(area):
            for path in paths(template, world, hostile=hostile):
                sweep.request("GET", path)
    sweep.report()


@pytest.mark.parametrize("role", ROLES)
def test_hostile_query_strings_never_error_or_redirect_off_site(role, world):
    sweep = Sweep(role, world)
    for area in AREAS:
        for template in templates_in(area):
            for path in paths(template, world, hostile=False)[:1]:
                for query in HOSTILE_QUERY_BUNDLES:
                    sweep.request("GET", f"{path}?{query}")
    sweep.report()


COMMON_QUERIES = [q for q in HOSTILE_QUERIES if q.split("=")[0] in {"page", "next", "lang"}]
QUERIES_FOR = {
    "reader": COMMON_QUERIES
    + [q for q in HOSTILE_QUERIES if q.split("=")[0] in {"cpage", "q", "posted", "reported"}],
    "moderation": COMMON_QUERIES
    + [q for q in HOSTILE_QUERIES if q.split("=")[0] in {"explainer", "actor"}],
    "admin": [
        q
        for q in HOSTILE_QUERIES
        if q.split("=")[0] not in {"page", "cpage", "lang", "posted", "reported", "actor"}
    ]
    + [f"{lookup}={'9' * 30}" for lookup in ADMIN_RELATION_LOOKUPS],
}


def hostile_query_pages(world: World):
    """(page, kind of queries it reads) for the pages that read query parameters."""
    reader_pages = [
        reverse("explainers:home"),
        reverse("explainers:search"),
        world.explainer.get_absolute_url(),
        world.topic.get_absolute_url(),
        reverse("explainers:source", kwargs={"pk": world.source.pk}),
        reverse("explainers:set_language", kwargs={"code": "ja"}),
        reverse("account_login"),
        reverse("my_comments"),
    ]
    moderation_pages = [
        reverse("moderation:queue"),
        reverse("moderation:tab", kwargs={"tab": "approved"}),
        reverse("moderation:log"),
        reverse("moderation:thread", kwargs={"pk": world.explainer.pk}),
        reverse("moderation:commenter", kwargs={"pk": world.users["reader"].pk}),
    ]
    # Every changelist gets the bundles; these get each parameter alone.
    admin_pages = [
        reverse(f"admin:{name}")
        for name in (
            "explainers_explainer_changelist",
            "explainers_correction_changelist",
            "comments_comment_changelist",
            "auth_user_changelist",
            "explainers_correction_add",
        )
    ]
    return (
        [(page, "reader") for page in reader_pages]
        + [(page, "moderation") for page in moderation_pages]
        + [(page, "admin") for page in admin_pages]
    )


# Each kind of page as the role that gets past its door (the others are sent away before any
# parameter is read; the bundles above cover them).
ROLE_FOR_KIND = {"reader": "anonymous", "moderation": "moderator", "admin": "superuser"}


@pytest.mark.parametrize("kind", list(ROLE_FOR_KIND))
def test_each_hostile_query_parameter_alone_never_errors(kind, world):
    """One parameter at a time on the pages that read it, so no 400 for one hides another."""
    sweep = Sweep(ROLE_FOR_KIND[kind], world)
    for page, page_kind in hostile_query_pages(world):
        if page_kind == kind:
            for query in QUERIES_FOR[kind]:
                sweep.request("GET", f"{page}?{query}")
    sweep.report()


@pytest.mark.parametrize("role", ROLES)
def test_post_of_hostile_form_data_never_errors_or_redirects_off_site(role, world):
    """POST to every URL (405 where a view takes no POST) without CSRF checks, so the
    hostile data reaches the views' forms."""
    sweep = Sweep(role, world)
    for template, _name in url_patterns():
        # Two objects where they differ (a draft and a published explainer, a held and a
        # published comment); the admin's views treat every object alike.
        count = 1 if template.startswith("admin/") else 2
        for path in paths(template, world, hostile=False)[:count]:
            for data in HOSTILE_FORMS.values():
                sweep.request("POST", path, data)
    sweep.report()


def test_post_with_hostile_path_values_never_errors(world):
    sweep = Sweep("superuser", world)
    values = ["\x00", "9" * 30, LONG, "abc\u202edef"]
    for template, _name in url_patterns():
        for path in paths(template, world, hostile=True, values=values)[1:]:
            sweep.request("POST", path, HOSTILE_FORMS["nul"])
    sweep.report()


@pytest.mark.parametrize("next_url", NEXT_VALUES)
def test_moderation_decision_never_redirects_off_site(next_url, world):
    client = client_for("moderator", world)
    url = reverse("moderation:approve", kwargs={"pk": world.pending.pk})
    response = client.post(url, {"next": next_url})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("moderation:queue")


@pytest.mark.parametrize("next_url", NEXT_VALUES)
def test_sign_in_never_redirects_off_site(next_url, world):
    client = Client(raise_request_exception=False)
    response = client.post(
        f"{reverse('account_login')}?next={quote(next_url)}",
        {"login": world.users["reader"].email, "password": PASSWORD, "next": next_url},
    )
    assert response.status_code == 302
    assert not leaves_site(response.headers["Location"])


# --- Regressions for what the sweep found ------------------------------------------------


ADMIN_FILTERS_THE_DATABASE_REFUSES = [
    ("comments_comment_changelist", "explainer=" + "9" * 30),
    ("comments_comment_changelist", "id__in=" + "9" * 30),
    ("explainers_explainer_changelist", "byline=" + "9" * 30),
    ("explainers_explainer_changelist", "topics=" + "9" * 30),
    ("explainers_explainer_changelist", "status__exact=%00"),
    ("comments_comment_changelist", "guest_name=%00"),
]


@pytest.mark.parametrize(("changelist", "query"), ADMIN_FILTERS_THE_DATABASE_REFUSES)
def test_admin_list_filter_with_a_value_no_column_holds_finds_nothing(changelist, query, world):
    """A number beyond 64 bits (SQLite refuses it) or a NUL (PostgreSQL refuses it) names no
    row: the list is shown, empty, and the database is never asked with it."""
    client = client_for("superuser", world)
    response = client.get(f"{reverse(f'admin:{changelist}')}?{query}")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_bad_request_page_is_in_the_readers_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja", HTTP_HOST="bad host")
    assert response.status_code == 400
    assert "無効な値" in response.content.decode()


def _write_the_database_refuses(request):
    raise DataError("value too long for type character varying(80)")


# Served only by the test below (@pytest.mark.urls): the site, and a view whose write the
# database refuses.
urlpatterns = [
    url_path("write-refused/", _write_the_database_refuses),
    *site_urls.urlpatterns,
]


@pytest.mark.urls(__name__)
def test_a_write_the_database_refuses_is_a_server_error_not_a_bad_request():
    """A value too long for its column is a bug in our code, not in the request: it must be
    a 500 (logged, alerted), never quietly turned into the 400 page."""
    with pytest.raises(DataError):
        Client().get("/write-refused/")
    response = Client(raise_request_exception=False).get("/write-refused/")
    assert response.status_code == 500


@pytest.mark.parametrize("value", ["abc", "\x00", "9" * 30, "-1"])
def test_admin_add_page_with_a_bad_autocomplete_value_shows_the_form(value, world):
    client = client_for("superuser", world)
    response = client.get(
        reverse("admin:explainers_correction_add"), {"explainer": value, "note": "x"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form["explainer"].value() == value


@pytest.mark.parametrize("value", ["abc", "\x00", "-1"])
def test_admin_form_with_a_bad_autocomplete_value_is_shown_with_its_error(value, world):
    """A re-shown form renders its autocomplete field (a 30-digit number is the 400 above)."""
    client = client_for("superuser", world)
    response = client.post(
        reverse("admin:explainers_explainer_add"),
        {"title": "A title", "topics": [value, str(world.topic.pk)]},
    )
    assert response.status_code == 200
    assert "topics" in response.context["adminform"].form.errors


def test_admin_autocomplete_still_shows_the_chosen_option(world):
    client = client_for("superuser", world)
    url = reverse("admin:explainers_correction_add") + f"?explainer={world.explainer.pk}"
    html = client.get(url).content.decode()
    assert f'<option value="{world.explainer.pk}" selected>{world.explainer.title}' in html


def test_view_on_site_from_the_admin_stays_on_the_site(world):
    """contenttypes' shortcut redirects to the Sites record's domain, kept to SITE_URL's."""
    client = client_for("superuser", world)
    content_type = ContentType.objects.get_for_model(world.topic)
    response = client.get(
        reverse("admin:view_on_site", args=[content_type.pk, world.topic.pk]), follow=False
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc == urlsplit(settings.SITE_URL).netloc
    assert location.path == world.topic.get_absolute_url()
    assert Site.objects.get_current().name == settings.SITE_NAME


# --- Editor text never runs script --------------------------------------------------------

# Fits the shortest editor field it goes into (a topic name: 100 characters).
PAYLOAD = (
    """"'><script>alert(1)</script><img src=x onerror=alert(1)>"""
    """<a href="javascript:alert(1)">findme</a>"""
)
MARKDOWN_PAYLOAD = PAYLOAD + "\n\n[findme](javascript:alert(1)) <b onclick=alert(1)>x</b>"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:text", "data:application")


def make_hostile_explainer(field: str):
    """A published explainer with every part, PAYLOAD in one editor field only."""

    def value(name, default):
        return (
            (MARKDOWN_PAYLOAD if name == "section.body" else PAYLOAD) if name == field else default
        )

    topic = TopicFactory(
        name=value("topic.name", "Energy"), description=value("topic.description", "About it.")
    )
    source = SourceArticleFactory(
        title=value("source.title", "A source"),
        publisher=value("source.publisher", "Example News"),
        author=value("source.author", "A. Writer"),
    )
    explainer = ExplainerFactory(
        published=True,
        title=value("explainer.title", "A findme explainer"),
        introduction=value("explainer.introduction", "Why findme matters."),
        summary=value("explainer.summary", "What to remember."),
    )
    explainer.topics.add(topic)
    ExplainerSourceFactory(explainer=explainer, source=source, position=1)
    KeyPointFactory(explainer=explainer, position=1, text=value("keypoint.text", "A point."))
    DetailSectionFactory(
        explainer=explainer,
        position=1,
        heading=value("section.heading", "A heading"),
        body=value("section.body", "Some *detail*."),
        figure_image=SimpleUploadedFile("chart.png", PNG, content_type="image/png"),
        figure_alt=value("section.figure_alt", "A chart"),
        figure_caption=value("section.figure_caption", "The caption"),
        figure_credit=value("section.figure_credit", "The credit"),
    )
    CorrectionFactory(explainer=explainer, note=value("correction.note", "Fixed a date."))
    return explainer, topic, source


EDITOR_FIELDS = [
    "explainer.title",
    "explainer.introduction",
    "explainer.summary",
    "keypoint.text",
    "section.heading",
    "section.body",
    "section.figure_alt",
    "section.figure_caption",
    "section.figure_credit",
    "correction.note",
    "topic.name",
    "topic.description",
    "source.title",
    "source.publisher",
    "source.author",
]


def assert_inert_html(html: str, where: str) -> str:
    """No script but our own, no event-handler attribute, no script address; returns the text
    (and attribute values) as a browser would read them."""
    tree = lxml.html.fromstring(html)
    for script in tree.iter("script"):
        if script.get("src"):
            assert script.get("src").startswith("/static/"), (where, lxml.html.tostring(script))
            continue
        assert script.get("type") == "application/ld+json", (where, lxml.html.tostring(script))
        # A data block: CSP does not govern it, so it has no nonce (and the page stays the
        # same bytes for every reader); nothing in it may end the script or run.
        assert script.get("nonce") is None, where
        assert "<" not in (script.text or ""), where  # nothing could end the script early
        json.loads(script.text)
    seen = [tree.text_content()]
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in {"iframe", "object", "embed", "svg", "base"}, where
        for name, attr in element.attrib.items():
            seen.append(attr)
            assert not name.lower().startswith("on"), (where, element.tag, name, attr)
            if name.lower() in {"href", "src", "action", "formaction", "content"}:
                squashed = re.sub(r"[\x00-\x20]+", "", attr).lower()
                assert not squashed.startswith(UNSAFE_SCHEMES), (where, element.tag, attr)
        if element.tag == "img":
            assert element.get("src", "").startswith(("/media/", "/static/")), where
    return "\n".join(seen)


def feed_texts(xml: bytes, where: str) -> str:
    """Every text and attribute of a feed; the HTML inside descriptions checked like a page."""
    root = ET.fromstring(xml)
    seen = []
    for element in root.iter():
        assert not element.tag.lower().endswith("script"), where
        for attr in element.attrib.values():
            seen.append(attr)
            assert not re.sub(r"\s+", "", attr).lower().startswith(UNSAFE_SCHEMES), where
        text = element.text or ""
        # HTML travels escaped in RSS descriptions and Atom html summaries; titles and
        # categories are plain text, which feed readers show as text.
        local = element.tag.rsplit("}", 1)[-1]
        if local in {"description", "summary", "content"} and text:
            seen.append(assert_inert_html(f"<div>{text}</div>", where))
        seen.append(text)
    return "\n".join(seen)


@pytest.mark.parametrize("field", EDITOR_FIELDS)
def test_editor_text_is_inert_on_every_page_feed_and_json_ld(field, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    explainer, topic, source = make_hostile_explainer(field)
    pages = {
        "explainer": explainer.get_absolute_url(),
        "topic": topic.get_absolute_url(),
        "source": reverse("explainers:source", kwargs={"pk": source.pk}),
        "search": reverse("explainers:search") + "?q=findme",
        "home": reverse("explainers:home"),
    }
    shown = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        shown.append(assert_inert_html(html, f"{field} on {name}"))
        if name == "explainer":
            (ld_json,) = lxml.html.fromstring(html).xpath(
                "//script[@type='application/ld+json']/text()"
            )
            shown.append(json.dumps(json.loads(ld_json), ensure_ascii=False))
    if field == "explainer.title" or field == "explainer.introduction":
        assert explainer in client.get(pages["search"]).context["explainers"]
    feeds = [
        reverse("explainers:feed_rss"),
        reverse("explainers:feed_atom"),
        reverse("explainers:feed_corrections"),
        reverse("explainers:feed_corrections_atom"),
        reverse("explainers:topic_feed_rss", kwargs={"slug": topic.slug}),
        reverse("explainers:topic_feed_atom", kwargs={"slug": topic.slug}),
    ]
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        shown.append(feed_texts(response.content, f"{field} in {url}"))
    # The text is shown (as text, escaped), not dropped: the test saw the field it is about.
    assert "findme" in "\n".join(shown), f"{field} is shown nowhere"


def test_json_ld_keeps_editor_text_as_data(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    explainer, _topic, _source = make_hostile_explainer("explainer.title")
    html = client.get(explainer.get_absolute_url()).content.decode()
    (ld_json,) = lxml.html.fromstring(html).xpath("//script[@type='application/ld+json']/text()")
    assert "</script" not in ld_json.lower()
    assert json.loads(ld_json)["headline"] == PAYLOAD


def test_source_address_must_be_a_web_address():
    """The one editor field rendered as a link target refuses script addresses on full_clean
    (which the admin and services run), so it can never become a javascript: link."""
    source = SourceArticleFactory.build(url="javascript:alert(1)")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "url" in error.value.message_dict


def test_topic_feed_description_is_escaped_for_rss_and_plain_text_for_atom(client):
    topic = TopicFactory(name="R&D <b>labs</b>")
    rss = client.get(reverse("explainers:topic_feed_rss", kwargs={"slug": topic.slug}))
    atom = client.get(reverse("explainers:topic_feed_atom", kwargs={"slug": topic.slug}))
    description = ET.fromstring(rss.content).findtext("channel/description")
    subtitle = ET.fromstring(atom.content).findtext("{http://www.w3.org/2005/Atom}subtitle")
    assert description.endswith("about R&amp;D &lt;b&gt;labs&lt;/b&gt;.")
    assert subtitle.endswith("about R&D <b>labs</b>.")


# --- Form bodies Django will not decode -----------------------------------------------------

# Django decodes form posts as UTF-8 only: another charset is a BadRequest (an unknown one is
# ignored). Its error views then ran the CSRF check again, which read the body again, so the
# 400 became a 500 (and the 500 view failed the same way).
FORM_CHARSETS = ["utf-16", "latin-1", "shift_jis", "bogus"]


def browser_client(world, **kwargs) -> tuple[Client, str]:
    """A client that checks CSRF like a browser's session does, holding its CSRF cookie."""
    client = Client(enforce_csrf_checks=True, **kwargs)
    client.get(reverse("admin:login"))
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


def form_body(charset: str, fields: dict) -> bytes:
    body = "&".join(f"{name}={quote(value)}" for name, value in fields.items())
    return body.encode("utf-16" if charset == "utf-16" else "utf-8")


@pytest.mark.parametrize("raise_request_exception", [True, False])
@pytest.mark.parametrize("charset", FORM_CHARSETS)
def test_a_form_post_in_another_charset_is_a_bad_request_never_a_server_error(
    charset, raise_request_exception, world
):
    client, csrf_token = browser_client(world, raise_request_exception=raise_request_exception)
    fields = {"csrfmiddlewaretoken": csrf_token, "username": "x", "password": "y", "name": "x"}
    urls = [
        reverse("admin:login"),
        reverse("comments:post", args=[world.explainer.slug]),
        reverse("comments:post", args=["no-such-explainer"]),
    ]
    for url in [*urls, "/no-such-page/"]:
        response = client.generic(
            "POST",
            url,
            data=form_body(charset, fields),
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
        )
        if charset == "bogus" or url not in urls:
            # Read as UTF-8, the form (or the 404 page: no view, no body read) answers.
            assert response.status_code in {200, 302, 400, 404}, url
        else:
            assert response.status_code == 400, url
            assert "We could not use that request" in response.content.decode(), url


def test_a_form_post_with_too_many_fields_is_a_bad_request_never_a_server_error(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client, csrf_token = browser_client(world, raise_request_exception=False)
    fields = {"csrfmiddlewaretoken": csrf_token} | {f"f{n}": "x" for n in range(10)}
    response = client.generic(
        "POST",
        reverse("comments:post", args=[world.explainer.slug]),
        data=form_body("utf-8", fields),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
