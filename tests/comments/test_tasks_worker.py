"""Durable email jobs on the real database backend: real workers (`manage.py db_worker`, as
subprocesses against the test database) killed, racing, and a mail server that fails.

Every email is counted where it lands (a file-based backend, one folder per test), so "sent
exactly once" is what the files say, not what the rows claim.
"""

import os
import signal
import smtplib
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from comments import moderation, notifications
from comments.models import Comment, Notification
from comments.tasks import send_notification
from readers.models import ReaderProfile
from tests.factories import CommentFactory, ExplainerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SEPARATOR = "-" * 79


# --- Mail backends the workers load (by dotted path, through EMAIL_BACKEND) ---------------


class HangingFileBackend(FileBackend):
    """The file backend, except that once this process has written KAISETSU_TEST_HANG_AFTER
    messages it hangs in the middle of the next send (before anything is delivered), after
    touching KAISETSU_TEST_HANG_MARKER: the moment the test kills the worker."""

    written = 0

    def send_messages(self, email_messages):
        hang_after = os.environ.get("KAISETSU_TEST_HANG_AFTER")
        if hang_after and HangingFileBackend.written >= int(hang_after):
            Path(os.environ["KAISETSU_TEST_HANG_MARKER"]).touch()
            time.sleep(600)
        sent = super().send_messages(email_messages)
        HangingFileBackend.written += sent
        return sent


class FlakyBackend(LocmemBackend):
    """A mail server that drops the first two connections, then delivers."""

    failures_left = 0

    def send_messages(self, email_messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


# --- Helpers ------------------------------------------------------------------------------


def database_url() -> str:
    """The test database, as the worker subprocess's DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(mail_dir: Path, **env) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": f"{__name__}.HangingFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_DEBUG": "0",
        **env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
            "--verbosity",
            "0",
        ],
        cwd=django_settings.BASE_DIR,
        env=environment,
    )


def delivered(mail_dir: Path) -> Counter:
    """How many emails each address received, read from the files the workers wrote."""
    counts = Counter()
    for path in mail_dir.iterdir():
        if path.suffix != ".log":
            continue
        for message in path.read_text().split(SEPARATOR):
            for line in message.splitlines():
                if line.startswith("To: "):
                    counts[line.removeprefix("To: ").strip()] += 1
    return counts


def owe_reply_emails(count: int) -> list[str]:
    """`count` readers who asked to hear about replies, each just answered: `count` emails
    owed (rows and jobs committed together, as the services do). Their addresses."""
    explainer = ExplainerFactory(published=True)
    users = UserFactory._meta.model.objects.bulk_create(
        UserFactory._meta.model(username=f"r{n}", email=f"r{n}@example.net") for n in range(count)
    )
    ReaderProfile.objects.bulk_create(ReaderProfile(user=u, notify_replies=True) for u in users)
    tops = Comment.objects.bulk_create(
        Comment(explainer=explainer, user=u, body="A thread.", body_html="<p>A thread.</p>")
        for u in users
    )
    replies = Comment.objects.bulk_create(
        Comment(
            explainer=explainer,
            parent=top,
            guest_name="Guest",
            body="A reply.",
            body_html="<p>A reply.</p>",
            status=Comment.Status.APPROVED,
        )
        for top in tops
    )
    with transaction.atomic():
        for reply in Comment.objects.filter(pk__in=[r.pk for r in replies]):
            notifications.on_published(reply)
    return [u.email for u in users]


def run_worker_here() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_BACKEND
    settings.SITE_URL = "https://kaisetsu.example"


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- The faults ---------------------------------------------------------------------------


def test_a_killed_worker_loses_nothing_and_its_successor_sends_each_email_once(
    database_tasks, tmp_path
):
    addresses = owe_reply_emails(200)
    assert DBTaskResult.objects.count() == 200
    mail_dir, marker = tmp_path / "mail", tmp_path / "hanging"
    mail_dir.mkdir()
    worker = start_worker(
        mail_dir, KAISETSU_TEST_HANG_AFTER="60", KAISETSU_TEST_HANG_MARKER=str(marker)
    )
    try:
        wait_for(marker.exists)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert sum(delivered(mail_dir).values()) == 60
    # The one it died on was claimed, never delivered: held until its lease runs out.
    assert Notification.objects.filter(status="sending").count() == 1
    lease = timedelta(seconds=django_settings.COMMENTS_NOTIFICATION_LEASE_SECONDS)
    Notification.objects.filter(status="sending").update(
        claimed_at=timezone.now() - lease - timedelta(seconds=1)  # the lease has run out
    )
    assert notifications.notifications_requeue() == 1

    successor = start_worker(mail_dir)
    assert successor.wait(timeout=60) == 0
    counts = delivered(mail_dir)
    assert counts == Counter(dict.fromkeys(addresses, 1))
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_two_workers_over_the_same_queue_never_send_an_email_twice(database_tasks, tmp_path):
    addresses = owe_reply_emails(100)
    # Every email has a second job too (as after a requeue): the claim must hold.
    with transaction.atomic():
        for pk in Notification.objects.values_list("pk", flat=True):
            send_notification.enqueue(notification_id=pk)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    workers = [start_worker(mail_dir), start_worker(mail_dir)]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    assert delivered(mail_dir) == Counter(dict.fromkeys(addresses, 1))
    assert Notification.objects.filter(status="sent").count() == 100


def test_mail_server_failing_twice_delivers_on_the_third_try_once(database_tasks, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.COMMENTS_NOTIFICATION_RETRY_DELAYS = [60, 300, 1800]
    FlakyBackend.failures_left = 2
    [address] = owe_reply_emails(1)
    for attempt in (1, 2):
        run_worker_here()
        owed = Notification.objects.get()
        assert (owed.status, owed.attempts) == ("pending", attempt)
        assert "SMTPServerDisconnected" in owed.last_error
        assert mail.outbox == []
        # The retry waits (backoff); let its time come.
        waiting = DBTaskResult.objects.ready().count()
        assert waiting == 0
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker_here()
    assert [message.to for message in mail.outbox] == [[address]]
    owed = Notification.objects.get()
    assert (owed.status, owed.attempts) == ("sent", 3)
    run_worker_here()
    assert len(mail.outbox) == 1


def test_a_decision_rolled_back_after_its_job_was_enqueued_sends_nothing(database_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    moderator = UserFactory(username="mod", is_staff=True, is_superuser=True)
    author = UserFactory(username="aiko", email="aiko@example.net")
    ReaderProfile.objects.create(user=author, notify_decisions=True)
    comment = CommentFactory(user=author, guest_name="", guest_email="", status="pending")
    try:
        with transaction.atomic():
            moderation.comment_approve(comment=comment, actor=moderator)
            assert DBTaskResult.objects.count() == 1  # enqueued inside the transaction
            raise RuntimeError("something later in the request failed")
    except RuntimeError:
        pass
    assert DBTaskResult.objects.count() == 0
    assert not Notification.objects.exists()
    run_worker_here()
    assert mail.outbox == []
    # The same decision committed is sent, once.
    moderation.comment_approve(comment=comment, actor=moderator)
    run_worker_here()
    assert [message.to for message in mail.outbox] == [["aiko@example.net"]]
