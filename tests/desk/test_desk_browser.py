"""Done when (issue 13 §4): a reader suggests a correction on the Japanese demo explainer; an
editor accepts it in the admin and publishes a correction citing it; the public corrections
log says "prompted by a reader"; the requester's notification is in the outbox. In a real
browser (Chromium, CSP enforced), with no console errors."""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from desk.models import CorrectionRequest, RequestNotification
from explainers.models import Explainer
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "「メタン削減」の節の数字が違うようです。農水省の資料では約3割です。"


@pytest.fixture
def demo_ja(settings, tmp_path):
    """The Japanese demo explainer (`manage.py load_demo`), as a reader of `make run` sees it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    return Explainer.objects.published().get(slug="suiden-nakaboshi-metan-sakugen")


def test_a_reader_suggestion_becomes_a_correction_prompted_by_a_reader(
    page, live_server, login, demo_ja, settings
):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    with translation.override("ja"):
        explainer_url = demo_ja.get_absolute_url()
    # The reader, a guest, on the Japanese page.
    page.goto(explainer_url)
    page.get_by_role("link", name="訂正を提案する").click()
    page.get_by_label("何が間違っていますか？").fill(TEXT)
    page.get_by_label("出典リンク（任意）").fill("https://www.maff.go.jp/")
    page.get_by_label("メールアドレス（任意）").fill("midori@example.net")
    page.get_by_role("button", name="提案を送る").click()
    expect(page.locator(".correction-request-sent")).to_be_visible()
    request = CorrectionRequest.objects.get()
    assert (request.text, request.language, request.status) == (TEXT, "ja", "open")

    # The confirmation link from the email (double opt-in), followed in the browser.
    (confirmation,) = mail.outbox
    path = re.search(r"/ja/corrections/confirm/[^/\s]+/", confirmation.body).group(0)
    page.goto(path)
    page.get_by_role("button", name="はい、知らせてください").click()
    expect(page.locator(".correction-request-confirmed")).to_be_visible()

    # The editor sees it on the dashboard, opens it, accepts it and publishes the correction it
    # prompted.
    editor = UserFactory(username="desk-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    login(editor, next_url="/admin/")
    panel = page.locator("section#correction-requests")
    expect(panel).to_contain_text("1 correction request is open.")
    (row,) = panel.locator("tbody tr").all()  # the one open request, by its explainer
    expect(row).to_contain_text(TEXT[:20])
    row.get_by_role("link").click()
    page.locator("#id_decision").select_option("accepted")
    page.locator("#id_new_correction_note").fill(
        "メタン削減の割合を「約2割」としていましたが、正しくは「約3割」です。"
    )
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == "accepted" and request.correction is not None

    # The public corrections log, as another reader sees it (a fresh browser: the first one
    # keeps the page it was sent, as the shared page's Cache-Control allows).
    context = page.context.browser.new_context(base_url=live_server.url)
    reader = context.new_page()
    reader.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    reader.goto(explainer_url)
    entry = reader.locator(f"#correction-{request.correction.pk}")
    expect(entry).to_contain_text("正しくは「約3割」です")
    expect(entry.locator(".correction-prompted")).to_have_text("読者の指摘による訂正")

    # The requester is told, in Japanese, through the outbox.
    outcome = RequestNotification.objects.get(request=request, kind="outcome")
    assert (outcome.outcome, outcome.status) == ("accepted", "sent")
    assert mail.outbox[-1].to == ["midori@example.net"]
    assert "採用しました" in mail.outbox[-1].body
    context.close()
    assert page.console_errors == []
