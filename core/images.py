"""Editors' images: the checks an upload must pass, and the renditions pages show.

Every image the newsroom uploads (an explainer's lead image, a section's figure, an author's
portrait) is checked when it is uploaded (`check_image`, run by the admin's form field and by
the model field's validator):
real image content in a format we serve, at most `KAISETSU_IMAGE_MAX_BYTES` and
`KAISETSU_IMAGE_MAX_PIXELS` (the pixel count is read from the header, before anything is
decoded, so a decompression bomb is refused without being opened).

Renditions are derived data, made on write through `renditions_for()` (for explainers by
`Explainer.refresh_derived()`, the one refresh after an explainer and its parts are saved;
for portraits by `readers.services.author_profile_save`): a few widths for
`srcset` in the original's format (GIF becomes PNG) and in WebP, and a 1200×630 crop for
`og:image`, each stored with its dimensions in a JSON column beside the image
(`Explainer.lead_image_renditions`, `DetailSection.figure_renditions`). The JSON names the
original it was made from (`src`), so a refresh remakes it only when the image changed. The
same step removes GPS location from the original's EXIF; renditions carry no EXIF at all.

`Picture` is what templates and `pages.seo` read: built from the field and its JSON, no
queries and no file access. Without renditions (not made yet, or the file could not be read)
it falls back to the original, unsized.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.forms import ImageField as ImageFormField
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000  # 8,000 × 5,000
WIDTHS = (480, 800, 1200, 1600)
OG_SIZE = (1200, 630)
RENDITIONS_DIR = "renditions"
# The formats we accept, and the one each one's renditions are written in beside WebP.
OUTPUT_FORMAT = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": "WEBP"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SAVE_OPTIONS = {
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
}
GPS_IFD = 0x8825


def max_bytes() -> int:
    return getattr(settings, "KAISETSU_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels() -> int:
    return getattr(settings, "KAISETSU_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def _open(file):
    """Open without Pillow's own bomb warning: we count the pixels ourselves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(file)


def check_image(file) -> None:
    """Refuse anything but a real JPEG, PNG, GIF or WebP within the size and pixel limits."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            _("The image is %(size)s; the most we take is %(limit)s. Save it smaller."),
            code="image_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes())},
        )
    not_an_image = ValidationError(
        _("This file is not an image we can use: upload a JPEG, PNG, GIF or WebP picture."),
        code="not_an_image",
    )
    file.seek(0)
    try:
        try:
            image = _open(file)
        except Image.DecompressionBombError:
            raise _too_many_pixels(None) from None
        with image:
            if image.format not in OUTPUT_FORMAT:
                raise not_an_image
            width, height = image.size
            if width * height > max_pixels():
                raise _too_many_pixels((width, height))
            image.verify()
        # verify() reads the structure only; decoding (bounded by the pixel check) finds a
        # truncated or corrupt file here rather than when renditions are made.
        file.seek(0)
        with _open(file) as image:
            image.load()
    except ValidationError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise not_an_image from exc
    finally:
        file.seek(0)


def _too_many_pixels(size) -> ValidationError:
    limit = max_pixels()
    if size is None:
        message = _("The image has too many pixels (at most %(limit)s million).")
        params = {"limit": f"{limit / 1_000_000:g}"}
    else:
        message = _(
            "The image is %(width)s × %(height)s pixels, more than the %(limit)s million we "
            "take. Save it smaller."
        )
        params = {"width": size[0], "height": size[1], "limit": f"{limit / 1_000_000:g}"}
    return ValidationError(message, code="image_too_many_pixels", params=params)


def validate_image_upload(value) -> None:
    """The model field's validator: a new upload is checked, a stored file is not reopened."""
    if value and not getattr(value, "_committed", True):
        check_image(value.file)


class CheckedImageFormField(ImageFormField):
    """The admin's image field: our checks (with their messages) before Django's own."""

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "seek"):
            check_image(data)
        return super().to_python(data)


# Renditions -------------------------------------------------------------------------------


def _rendition_name(original: str, label: str, fmt: str) -> str:
    """`renditions/<original's whole name>/<label>.<ext>`. The folder keeps the original's
    extension: named by the stem alone, `photo.jpg` and a later `photo.png` of the same month
    shared one folder, and the second's renditions replaced the first's."""
    return f"{RENDITIONS_DIR}/{original}/{label}.{EXTENSIONS[fmt]}"


def _store(storage, name: str, data: bytes) -> str:
    """Write `data` at `name`, replacing what a previous run made from the same original."""
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(data))


def _encode(image, fmt: str) -> bytes:
    if fmt == "JPEG" and image.mode != "RGB":
        image = _flatten(image)
    elif fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **SAVE_OPTIONS[fmt])
    return buffer.getvalue()


def _flatten(image):
    """RGB on white (JPEG has no transparency)."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _strip_location(storage, name: str, image) -> None:
    """Rewrite the stored original without its EXIF GPS block. The rest of EXIF is kept, but
    the image is encoded again (JPEG and WebP at quality 95; a JPEG keeps its ICC profile, a
    WebP does not; an animated image keeps its first frame only)."""
    exif = image.getexif()
    if GPS_IFD not in exif:
        return
    del exif[GPS_IFD]
    fmt = image.format
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    if fmt == "JPEG" and image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif.tobytes(), **options)
    with storage.open(name, "wb") as handle:
        handle.write(buffer.getvalue())


def make_renditions(name: str, *, storage=None) -> dict:
    """Renditions of the stored image `name`, as the JSON stored beside it.

    `{"src": name, "width", "height", "format", "widths": [{"width", "height", "<fmt>": name,
    "webp": name}, ...], "og": {"width", "height", "name"}}`. A file that is missing, is not
    an image or is too large gives `{"src": name}` (pages show the original, unsized) and is
    not tried again until the image changes.
    """
    storage = storage or default_storage
    try:
        with storage.open(name, "rb") as handle:
            data = handle.read()
        image = _open(io.BytesIO(data))
        if image.format not in OUTPUT_FORMAT or image.width * image.height > max_pixels():
            return {"src": name}
        image.load()
    except Exception:  # missing, unreadable or not an image: the page falls back
        return {"src": name}
    _strip_location(storage, name, image)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    upright = ImageOps.exif_transpose(image)
    fmt = OUTPUT_FORMAT[image.format]
    formats = [fmt] if fmt == "WEBP" else [fmt, "WEBP"]
    width, height = upright.size
    widths = sorted({w for w in WIDTHS if w < width} | {min(width, WIDTHS[-1])})
    sizes = []
    for w in widths:
        h = max(1, round(height * w / width))
        resized = (
            upright
            if w == width
            else upright.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=2.0)
        )
        entry = {"width": w, "height": h}
        for out in formats:
            label = f"{w}w"
            entry[out.lower()] = _store(
                storage, _rendition_name(name, label, out), _encode(resized, out)
            )
        sizes.append(entry)
    # Cropped from the largest width when that is big enough (much faster than the original).
    big_enough = resized.width >= OG_SIZE[0] and resized.height >= OG_SIZE[1]
    og = ImageOps.fit(_flatten(resized if big_enough else upright), OG_SIZE, Image.LANCZOS)
    return {
        "src": name,
        "width": width,
        "height": height,
        "format": fmt.lower(),
        "widths": sizes,
        "og": {
            "width": OG_SIZE[0],
            "height": OG_SIZE[1],
            "name": _store(storage, _rendition_name(name, "og", "JPEG"), _encode(og, "JPEG")),
        },
    }


def renditions_for(field_file, current: dict | None) -> dict:
    """The JSON an image field should hold: `current` when it was made from this file, new
    renditions when the file changed, {} without an image."""
    name = field_file.name if field_file else ""
    if not name:
        return {}
    if isinstance(current, dict) and current.get("src") == name:
        return current
    return make_renditions(name, storage=field_file.storage)


# What pages read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    url: str
    width: int | None = None
    height: int | None = None
    srcset: str = ""
    webp_srcset: str = ""
    og_url: str = ""
    og_width: int | None = None
    og_height: int | None = None

    @classmethod
    def of(cls, field_file, renditions) -> "Picture | None":
        if not field_file:
            return None
        storage = field_file.storage
        made = renditions if isinstance(renditions, dict) else {}
        if made.get("src") != field_file.name or not made.get("widths"):
            return cls(url=field_file.url)
        fmt = made["format"]
        widths = made["widths"]

        def srcset(key: str) -> str:
            return ", ".join(
                f"{storage.url(entry[key])} {entry['width']}w" for entry in widths if key in entry
            )

        largest = widths[-1]
        og = made.get("og") or {}
        return cls(
            url=storage.url(largest[fmt]),
            width=largest["width"],
            height=largest["height"],
            srcset=srcset(fmt),
            webp_srcset=srcset("webp") if fmt != "webp" else "",
            og_url=storage.url(og["name"]) if og.get("name") else "",
            og_width=og.get("width"),
            og_height=og.get("height"),
        )
