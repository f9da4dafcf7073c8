"""Load the demo newsroom: topics, sources, explainers in Japanese and English, and accounts.

Safe to run any number of times: every row is keyed on a slug, an address or a username, so a
second run updates rows in place and creates nothing new. Publishing goes through the same
services as the admin (`explainer_publish`, `correction_add`), once, so each demo explainer has
a real history; later runs only move the scheduled explainer's time so it stays in the future.

Demo passwords are set and printed only when DEBUG is on. With DEBUG off, new demo accounts get
no usable password and the command says how to set one.
"""

import datetime
import io

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.demo import load_demo_comments
from explainers.demo import content
from explainers.models import (
    Correction,
    DetailSection,
    Explainer,
    ExplainerSource,
    KeyPoint,
    SourceArticle,
    Topic,
)
from explainers.services import correction_add, explainer_publish
from readers.models import AuthorProfile


def upsert(model, lookup: dict, values: dict):
    """Find the row by its natural key (or start a new one), set values, validate, save."""
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj, created


def draw_figure() -> bytes:
    """A small bar chart (generation vs. tram demand by hour), drawn so no file is shipped."""
    from PIL import Image, ImageDraw

    width, height, margin = 640, 320, 24
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    # Invented numbers: steady generation, demand peaking at the morning and evening rush.
    generation = [62, 60, 58, 58, 60, 63, 65, 66, 64, 63, 62, 61]
    demand = [18, 12, 30, 88, 80, 42, 38, 40, 52, 90, 74, 28]
    slot = (width - 2 * margin) / len(generation)
    bar = slot / 3
    base = height - margin
    draw.line([(margin, base), (width - margin, base)], fill="#333333", width=2)
    for i, (gen, use) in enumerate(zip(generation, demand, strict=True)):
        x = margin + i * slot + bar / 2
        draw.rectangle([x, base - gen * 2.6, x + bar, base], fill="#1f6fb4")
        draw.rectangle([x + bar, base - use * 2.6, x + 2 * bar, base], fill="#e8871e")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def draw_lead_image() -> bytes:
    """The seed explainer's lead image: turbines off the coast and a tram on the shore."""
    from PIL import Image, ImageDraw

    width, height = 1600, 900
    image = Image.new("RGB", (width, height), "#cfe6f5")
    draw = ImageDraw.Draw(image)
    horizon, shore = 470, 700
    draw.rectangle([0, horizon, width, shore], fill="#2f6f9f")
    draw.rectangle([0, shore, width, height], fill="#d9cfa8")
    for n, x in enumerate(range(180, 1500, 260)):
        top = horizon - 260 + (n % 2) * 40
        draw.line([(x, top), (x, horizon + 10)], fill="white", width=10)
        for dx, dy in ((0, -150), (130, 75), (-130, 75)):
            draw.line([(x, top), (x + dx, top + dy)], fill="white", width=8)
    draw.rectangle([0, 770, width, 780], fill="#555555")
    draw.rounded_rectangle([520, 610, 1080, 770], radius=30, fill="#e8871e")
    for x in range(560, 1040, 95):
        draw.rectangle([x, 640, x + 70, 700], fill="#fdf6e3")
    draw.line([(800, 610), (800, 540)], fill="#333333", width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Load demo topics, sources, explainers (Japanese and English) and accounts. Idempotent."

    def handle(self, *args, **options):
        now = timezone.now()
        with transaction.atomic():
            users = self.load_users()
            editor = users["editor"]
            # The demo editor keeps a public author page, as a newsroom's writers would.
            AuthorProfile.objects.get_or_create(
                user=editor,
                defaults={
                    "name": "Hanako Sato",
                    "bio": "Explains energy, farming and city transport for Kaisetsu.",
                },
            )
            topics = self.load_topics()
            sources = self.load_sources(now)
            explainers = {
                spec["slug"]: self.load_explainer(spec, editor, topics, sources, now)
                for spec in content.EXPLAINERS
            }
            self.load_corrections(explainers, editor, now)
            # The one refresh of each explainer's derived data, with every part saved.
            for explainer in explainers.values():
                explainer.refresh_derived()
            # Threads only where readers can see them: on published, already visible explainers.
            load_demo_comments(
                [e for e in explainers.values() if e.is_published], list(users.values())
            )
        self.report(explainers, now)

    # Accounts -------------------------------------------------------------------------------

    def load_users(self) -> dict:
        User = get_user_model()
        users = {}
        for spec in content.USERS:
            user = User.objects.filter(username=spec["username"]).first()
            created = user is None
            if created:
                user = User(username=spec["username"])
            user.email = spec["email"]
            user.first_name = spec["first_name"]
            user.last_name = spec["last_name"]
            user.is_staff = spec["is_staff"]
            user.is_active = True
            if settings.DEBUG:
                if created or not user.check_password(spec["password"]):
                    user.set_password(spec["password"])
            elif created:
                # Known demo passwords on a non-debug site would be an open door.
                user.set_unusable_password()
            user.full_clean()
            user.save()
            if spec["group"]:
                user.groups.add(Group.objects.get(name=spec["group"]))
            # allauth signs readers in by email: a verified primary address lets them in.
            EmailAddress.objects.update_or_create(
                user=user, email=spec["email"], defaults={"verified": True, "primary": True}
            )
            users[spec["username"]] = user
        return users

    # Content --------------------------------------------------------------------------------

    def load_topics(self) -> dict:
        return {
            spec["slug"]: upsert(
                Topic,
                {"slug": spec["slug"]},
                {"name": spec["name"], "description": spec["description"]},
            )[0]
            for spec in content.TOPICS
        }

    def load_sources(self, now) -> dict:
        today = timezone.localdate(now)
        return {
            key: upsert(
                SourceArticle,
                {"url": spec["url"]},
                {
                    "title": spec["title"],
                    "publisher": spec["publisher"],
                    "author": spec["author"],
                    "language": spec["language"],
                    "published_on": today - datetime.timedelta(days=spec["days_ago"]),
                },
            )[0]
            for key, spec in content.SOURCES.items()
        }

    def load_explainer(self, spec, editor, topics, sources, now) -> Explainer:
        values = {
            "title": spec["title"],
            "language": spec["language"],
            "introduction": spec["introduction"],
            "summary": spec["summary"],
            "byline": editor,
            **self.lead_image_values(spec.get("lead_image")),
        }
        explainer = Explainer.objects.filter(slug=spec["slug"]).first()
        if explainer is None:
            # New explainers start as drafts; publishing below is what the newsroom would do.
            explainer, _created = upsert(
                Explainer, {"slug": spec["slug"]}, {**values, "status": Explainer.Status.DRAFT}
            )
        else:
            explainer, _created = upsert(Explainer, {"slug": spec["slug"]}, values)
        explainer.topics.set([topics[slug] for slug in spec["topics"]])
        self.load_parts(explainer, spec, sources)

        if spec["state"] == content.PUBLISHED:
            if explainer.status != Explainer.Status.PUBLISHED:
                explainer_publish(
                    explainer=explainer, actor=editor, publish_at=now + spec["offset"]
                )
        elif spec["state"] == content.SCHEDULED:
            publish_at = now + spec["offset"]
            if explainer.status != Explainer.Status.PUBLISHED:
                explainer_publish(explainer=explainer, actor=editor, publish_at=publish_at)
            else:
                # Keep it in the future on every run (a relative time), without a new history
                # entry: the row count stays the same. Readers have not seen it, so it has no
                # first-published time (Explainer.first_published).
                Explainer.objects.filter(pk=explainer.pk).update(
                    publish_at=publish_at, first_published_at=None
                )
        explainer.refresh_from_db()
        return explainer

    def load_parts(self, explainer, spec, sources) -> None:
        for position, source_key in enumerate(spec["sources"], start=1):
            upsert(
                ExplainerSource,
                {"explainer": explainer, "position": position},
                {"source": sources[source_key]},
            )
        ExplainerSource.objects.filter(
            explainer=explainer, position__gt=len(spec["sources"])
        ).delete()

        for position, text in enumerate(spec["key_points"], start=1):
            upsert(KeyPoint, {"explainer": explainer, "position": position}, {"text": text})
        KeyPoint.objects.filter(explainer=explainer, position__gt=len(spec["key_points"])).delete()

        for position, section in enumerate(spec["sections"], start=1):
            figure = section.get("figure")
            values = {
                "heading": section["heading"],
                "body": section["body"],
                "figure_image": self.store_figure(figure["name"]) if figure else "",
                "figure_alt": figure["alt"] if figure else "",
                "figure_caption": figure["caption"] if figure else "",
                "figure_credit": figure["credit"] if figure else "",
            }
            upsert(DetailSection, {"explainer": explainer, "position": position}, values)
        DetailSection.objects.filter(
            explainer=explainer, position__gt=len(spec["sections"])
        ).delete()

    def store_figure(self, name: str, draw=draw_figure) -> str:
        """Draw the figure into media storage once; later runs reuse the same file."""
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(draw()))
        return name

    def lead_image_values(self, lead) -> dict:
        """The lead image fields; its renditions are made by the one refresh at the end."""
        if not lead:
            return {
                "lead_image": "",
                "lead_image_alt": "",
                "lead_image_caption": "",
                "lead_image_credit": "",
            }
        return {
            "lead_image": self.store_figure(lead["name"], draw_lead_image),
            "lead_image_alt": lead["alt"],
            "lead_image_caption": lead["caption"],
            "lead_image_credit": lead["credit"],
        }

    def load_corrections(self, explainers, editor, now) -> None:
        for spec in content.CORRECTIONS:
            explainer = explainers[spec["explainer"]]
            if Correction.objects.filter(explainer=explainer, note=spec["note"]).exists():
                continue
            correction_add(
                explainer=explainer,
                kind=spec["kind"],
                note=spec["note"],
                significant=spec["significant"],
                actor=editor,
                at=now + spec["offset"],
            )
            explainer.refresh_from_db()

    # Output ---------------------------------------------------------------------------------

    def report(self, explainers, now) -> None:
        published = Explainer.objects.published(now).filter(slug__in=explainers)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo content loaded: %(topics)d topics, %(sources)d source articles, "
                    "%(explainers)d explainers (%(published)d published)."
                )
                % {
                    "topics": len(content.TOPICS),
                    "sources": len(content.SOURCES),
                    "explainers": len(explainers),
                    "published": published.count(),
                }
            )
        )
        admin_url = f"{settings.SITE_URL}{reverse('admin:index')}"
        self.stdout.write(_("Newsroom admin: %(url)s") % {"url": admin_url})
        if settings.DEBUG:
            self.stdout.write(_("Demo logins (debug only):"))
            for spec in content.USERS:
                role = spec["group"] or _("Reader")
                self.stdout.write(
                    f"  {role:<13} {_('username')}: {spec['username']:<12} "
                    f"{_('email')}: {spec['email']:<24} {_('password')}: {spec['password']}"
                )
        else:
            self.stdout.write(
                _(
                    "Demo passwords are hidden because DEBUG is off. Set one with "
                    "`python manage.py changepassword <username>` (demo users: %(users)s)."
                )
                % {"users": ", ".join(spec["username"] for spec in content.USERS)}
            )
