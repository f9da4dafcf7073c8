"""Reader accounts: allauth sign-up, verification, sign-in, password reset and change in the
site's design; the account page; "My comments"."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from lxml import html

from comments import moderation
from comments.models import Comment
from readers import services as reader_services
from readers.models import ReaderProfile
from tests.comments.helpers import token
from tests.factories import PASSWORD, CommentFactory, ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long passphrase 42"
LINK_RE = re.compile(r"https?://[^/\s]+(/accounts/[^\s]+/)")


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 0


def verified_reader(email="hana@example.net", display_name="Hana"):
    user = UserFactory(username=email.split("@")[0], email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    reader_services.reader_profile_update(user=user, display_name=display_name)
    return user


def link_in(message) -> str:
    match = LINK_RE.search(message.body)
    assert match, message.body
    return match.group(1)


def sign_up(client, email="aoi@example.net", display_name="Aoi", **extra):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": display_name,
        },
        **extra,
    )


def verify_from_outbox(client):
    confirm_path = link_in(mail.outbox[-1])
    assert client.get(confirm_path).status_code == 200
    return client.post(confirm_path)


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def post_comment(client, explainer, body):
    return client.post(
        reverse("comments:post", args=[explainer.slug]),
        {"body": body, "website": "", "issued": token(explainer, age_seconds=60)},
    )


def test_sign_up_verify_sign_in_comment_pending_then_trusted_after_approvals(
    client, explainer, moderator, settings
):
    settings.COMMENTS_TRUSTED_AFTER_APPROVED = 3
    assert sign_up(client).status_code == 302
    user = EmailAddress.objects.get(email="aoi@example.net").user
    assert not EmailAddress.objects.get(user=user).verified
    assert verify_from_outbox(client).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    client.logout()
    assert sign_in(client, "aoi@example.net").status_code == 302

    for n in range(3):
        response = post_comment(client, explainer, f"My considered comment number {n} here.")
        assert "posted=pending" in response["Location"]
        comment = Comment.objects.get(user=user, status="pending")
        moderation.comment_approve(comment=comment, actor=moderator)

    response = post_comment(client, explainer, "Now trusted, this one appears straight away.")
    assert "posted=approved" in response["Location"]
    latest = Comment.objects.filter(user=user).latest("pk")
    assert latest.status == "approved"
    assert latest.author_name == "Aoi"


def test_sign_up_records_display_name_and_language(client):
    sign_up(client, display_name="  葵  ", HTTP_ACCEPT_LANGUAGE="ja")
    profile = ReaderProfile.objects.get(user__email="aoi@example.net")
    assert profile.display_name == "葵"
    assert profile.language == "ja"


def test_sign_up_without_display_name_is_refused(client):
    response = sign_up(client, display_name="")
    assert response.status_code == 200
    assert not EmailAddress.objects.filter(email="aoi@example.net").exists()
    assert response.context["form"].errors["display_name"]


def test_unverified_account_cannot_sign_in(client):
    sign_up(client)
    client.logout()
    mail.outbox.clear()
    response = sign_in(client, "aoi@example.net")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_are_refused_even_with_the_right_password(client):
    verified_reader()
    for _attempt in range(5):
        response = sign_in(client, "hana@example.net", password="wrong password")
        assert response.status_code == 200
    response = sign_in(client, "hana@example.net")
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_failed_sign_ins_from_one_address_are_limited_across_accounts(client):
    """Ten failures a minute from one address, whichever accounts they try, shut the door
    for that address: guessing one password for many accounts is refused too."""
    verified_reader()
    for attempt in range(10):
        sign_in(client, f"guess{attempt}@example.net", password="wrong password")
    response = sign_in(client, "hana@example.net")
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    # Per address: a reader elsewhere still signs in.
    other = Client(REMOTE_ADDR="198.51.100.9")
    sign_in(other, "hana@example.net")
    assert "_auth_user_id" in other.session


@pytest.mark.parametrize("language", ["en", "ja"])
def test_rate_limited_page_is_in_the_site_design_and_language(client, settings, language):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    for _attempt in range(2):
        response = client.post(
            reverse("account_reset_password"),
            {"email": "someone@example.net"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 429
    doc = html.fromstring(response.content)
    assert doc.get("lang") == language
    assert doc.xpath('//header[contains(@class, "site-header")]')
    with translation.override(language):
        heading = translation.gettext("Too many attempts")
    assert (heading != "Too many attempts") == (language == "ja")
    assert doc.xpath("string(//main//h1)") == heading


def test_sign_in_page_is_in_the_site_design_with_bootstrap_fields(client):
    response = client.get(reverse("account_login"))
    doc = html.fromstring(response.content)
    assert doc.xpath('//header[contains(@class, "site-header")]')
    assert doc.xpath('//main//input[@name="login" and contains(@class, "form-control")]')
    assert doc.xpath('//main//button[@type="submit" and contains(@class, "btn-primary")]')


def test_sign_in_page_speaks_japanese(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="ja")
    doc = html.fromstring(response.content)
    assert doc.get("lang") == "ja"
    with translation.override("ja"):
        sign_in_label = translation.gettext("Sign In")
    assert sign_in_label != "Sign In"
    assert sign_in_label in doc.xpath("string(//main//h1)")


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_signed_out_account_pages_render_in_the_site_design(client, name, language):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    doc = html.fromstring(response.content)
    assert doc.get("lang") == language
    assert doc.xpath('//header[contains(@class, "site-header")]')
    assert doc.xpath("//main//h1")


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "account_logout",
        "reader:profile",
        "my_comments",
        "reader:delete",
    ],
)
def test_signed_in_account_pages_render_in_the_site_design(client, name, language):
    client.force_login(verified_reader())
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    doc = html.fromstring(response.content)
    assert doc.get("lang") == language
    assert doc.xpath('//header[contains(@class, "site-header")]')
    assert doc.xpath("//main//h1")


def test_sign_out_signs_out(client):
    client.force_login(verified_reader())
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_link(client):
    verified_reader()
    client.post(reverse("account_reset_password"), {"email": "hana@example.net"})
    reset_path = link_in(mail.outbox[-1])
    form_page = client.get(reset_path, follow=True)
    assert form_page.status_code == 200
    set_path = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_path
    response = client.post(set_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    client.logout()
    sign_in(client, "hana@example.net", password=NEW_PASSWORD)
    assert "_auth_user_id" in client.session


def test_password_change(client):
    user = verified_reader()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_main_action_of_an_allauth_form_is_the_primary_button(client):
    client.force_login(verified_reader())
    doc = html.fromstring(client.get(reverse("account_logout")).content)
    [button] = doc.xpath('//main//form//button[@type="submit"]')
    assert "btn-primary" in button.get("class")


def test_account_emails_name_the_site_not_the_sites_framework_default(client, settings):
    settings.SITE_NAME = "Kaisetsu Test Desk"
    sign_up(client)
    [message] = mail.outbox
    assert "Kaisetsu Test Desk" in message.body
    assert "example.com" not in message.body


def test_password_reset_email_is_in_the_account_holders_language(client):
    user = verified_reader()
    reader_services.reader_profile_update(user=user, language="ja")
    client.post(
        reverse("account_reset_password"), {"email": "hana@example.net"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    [message] = mail.outbox
    with translation.override("ja"):
        subject_ja = translation.gettext("Password Reset Email")
    assert subject_ja != "Password Reset Email"
    assert subject_ja in message.subject
    assert link_in(message).startswith("/accounts/password/reset/key/")


def test_account_email_follows_the_page_language_when_none_is_chosen(client):
    verified_reader()  # no email language chosen
    client.post(
        reverse("account_reset_password"), {"email": "hana@example.net"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    [message] = mail.outbox
    with translation.override("ja"):
        assert translation.gettext("Password Reset Email") in message.subject


# --- The account page ----------------------------------------------------------------------


def test_account_page_needs_sign_in(client):
    response = client.get(reverse("reader:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_account_page_saves_display_name_and_email_choices(client):
    user = verified_reader()
    client.force_login(user)
    response = client.post(
        reverse("reader:profile"),
        {"display_name": "Hana K.", "language": "ja", "notify_replies": "on"},
    )
    assert response.status_code == 302
    profile = ReaderProfile.objects.get(user=user)
    assert (profile.display_name, profile.language) == ("Hana K.", "ja")
    assert (profile.notify_replies, profile.notify_decisions) == (True, False)


def test_account_page_names_the_default_email_language(client):
    client.force_login(verified_reader())
    doc = html.fromstring(client.get(reverse("reader:profile")).content)
    [blank] = doc.xpath('//select[@name="language"]/option[@value=""]')
    assert blank.text_content() == "Site default (English)"


def test_account_page_refuses_a_blank_display_name(client):
    user = verified_reader()
    client.force_login(user)
    response = client.post(reverse("reader:profile"), {"display_name": "   ", "language": ""})
    assert response.status_code == 400
    assert ReaderProfile.objects.get(user=user).display_name == "Hana"


def test_account_page_is_never_cached(client):
    client.force_login(verified_reader())
    response = client.get(reverse("reader:profile"))
    assert "no-store" in response["Cache-Control"]


def test_signed_in_comment_form_names_the_reader_by_display_name(client, explainer):
    client.force_login(verified_reader(display_name="Hana the reader"))
    response = client.get(reverse("comments:post", args=[explainer.slug]))
    doc = html.fromstring(response.content)
    assert not doc.xpath('//input[@name="name" or @name="email"]')
    assert "Hana the reader" in doc.text_content()


def test_published_comment_shows_display_name_not_username(client, explainer):
    user = verified_reader(email="secret.local.part@example.net", display_name="Hana")
    CommentFactory(explainer=explainer, user=user, guest_name="", guest_email="")
    content = client.get(explainer.get_absolute_url()).content.decode()
    assert "Hana" in content
    assert "secret.local.part" not in content


def test_explainer_page_links_to_the_account_and_sets_no_cookie(client, explainer):
    response = client.get(explainer.get_absolute_url())
    doc = html.fromstring(response.content)
    assert doc.xpath(f'//header//a[@href="{reverse("reader:profile")}"]')
    assert response.cookies == {}


# --- My comments ---------------------------------------------------------------------------


def test_my_comments_lists_every_status_with_the_rejection_reason(client, explainer, moderator):
    user = verified_reader()
    CommentFactory(explainer=explainer, user=user, body="Published words here.")
    CommentFactory(explainer=explainer, user=user, body="Waiting words here.", status="pending")
    rejected = CommentFactory(
        explainer=explainer, user=user, body="Rejected words here.", status="pending"
    )
    moderation.comment_reject(comment=rejected, actor=moderator, reason="off_topic")
    CommentFactory(explainer=explainer, body="Someone else's words.")
    client.force_login(user)
    doc = html.fromstring(client.get(reverse("my_comments")).content)
    items = doc.xpath('//li[contains(@class, "my-comment")]')
    assert sorted(item.get("data-status") for item in items) == ["approved", "pending", "rejected"]
    rejected_item = doc.xpath('//li[@data-status="rejected"]')[0]
    assert "Off topic" in rejected_item.text_content()
    assert "Someone else's" not in doc.text_content()


def test_my_comments_costs_the_same_queries_for_few_and_many(client, explainer, count_queries):
    user = verified_reader()
    client.force_login(user)
    CommentFactory(explainer=explainer, user=user)
    few = count_queries(client, reverse("my_comments"))
    for _ in range(10):
        CommentFactory(explainer=ExplainerFactory(published=True), user=user)
    assert count_queries(client, reverse("my_comments")) == few


def test_explainer_page_shows_readers_names_without_a_query_per_comment(
    client, explainer, count_queries
):
    def add_reader_comments(count):
        for _ in range(count):
            user = UserFactory()
            reader_services.reader_profile_update(
                user=user, display_name=f"Name of {user.username}"
            )
            top = CommentFactory(explainer=explainer, user=user, guest_name="", guest_email="")
            CommentFactory(
                explainer=explainer, parent=top, user=user, guest_name="", guest_email=""
            )

    add_reader_comments(1)
    few = count_queries(client, explainer.get_absolute_url())
    add_reader_comments(8)
    assert count_queries(client, explainer.get_absolute_url()) == few
    assert "Name of " in count_queries.response.content.decode()


def test_moderators_find_the_queue_from_their_account_page(client, moderator):
    client.force_login(moderator)
    page = client.get(reverse("reader:profile")).content.decode()
    assert reverse("moderation:queue") in page


def test_readers_see_no_moderation_link(client, reader):
    client.force_login(reader)
    page = client.get(reverse("reader:profile")).content.decode()
    assert reverse("moderation:queue") not in page


def test_the_admin_links_moderators_to_the_queue(client, moderator):
    client.force_login(moderator)
    assert reverse("moderation:queue") in client.get(reverse("admin:index")).content.decode()


def test_sign_up_with_the_mail_server_down_keeps_the_account_and_queues_the_email(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "tests.comments.test_notifications.FailingBackend"
    response = sign_up(client, email="kai@example.net", display_name="Kai", follow=True)
    assert response.status_code == 200  # the request never talks to the mail server
    assert EmailAddress.objects.filter(email="kai@example.net", verified=False).exists()
    # The verification email waits as a job for the worker, which retries while it is down.
    assert DBTaskResult.objects.filter(task_path="readers.tasks.send_account_email").exists()
