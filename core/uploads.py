"""Attachments: checked by what they are, stored outside the web root, served by the app.

A file's name and the browser's content type are the uploader's claims; the first bytes are the
file. An upload is accepted only when its extension belongs to an allowed kind and its content
starts the way files of that extension do. Images are re-encoded without their metadata (EXIF
holds GPS positions and camera serials). Files are kept in the `private` storage (a directory
outside the web root by default, shared storage by setting) and reach a browser only through a
view that has checked the reader's scope, via `serve_file`, which answers HTTP Range requests so
a video can seek."""

import io
import mimetypes
import os
import re
import zipfile
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _starts(*prefixes: bytes):
    return lambda head: any(head.startswith(p) for p in prefixes)


def _mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


# extension -> (kind, does the content look like it?)
SIGNATURES = {
    "pdf": ("pdf", _starts(b"%PDF-")),
    "jpg": ("image", _starts(b"\xff\xd8\xff")),
    "jpeg": ("image", _starts(b"\xff\xd8\xff")),
    "png": ("image", _starts(b"\x89PNG\r\n\x1a\n")),
    "gif": ("image", _starts(b"GIF87a", b"GIF89a")),
    "webp": ("image", lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP"),
    "docx": ("office", _starts(ZIP)),
    "xlsx": ("office", _starts(ZIP)),
    "pptx": ("office", _starts(ZIP)),
    "odt": ("office", _starts(ZIP)),
    "ods": ("office", _starts(ZIP)),
    "odp": ("office", _starts(ZIP)),
    "doc": ("office", _starts(OLE)),
    "xls": ("office", _starts(OLE)),
    "ppt": ("office", _starts(OLE)),
    "mp4": ("video", _mp4),
    "m4v": ("video", _mp4),
    "webm": ("video", _starts(b"\x1a\x45\xdf\xa3")),
    "mp3": ("audio", lambda h: h.startswith(b"ID3") or (h[:1] == b"\xff" and h[1] & 0xE0 == 0xE0)),
    "m4a": ("audio", _mp4),
    "ogg": ("audio", _starts(b"OggS")),
    "wav": ("audio", lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE"),
}
KINDS = {"pdf", "image", "office", "video", "audio"}
KIND_LABELS = {
    "pdf": "PDF",
    "image": "JPG/PNG/GIF/WEBP",
    "office": "Word/Excel/PowerPoint/OpenDocument",
    "video": "MP4/WEBM",
    "audio": "MP3/M4A/OGG/WAV",
}


def _accepted(kinds: set[str]) -> str:
    return "、".join(KIND_LABELS[k] for k in sorted(kinds))


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def validate_upload(file, *, kinds: set[str], max_mb: int, field_label: str) -> str:
    """The kind of `file` ("pdf", "image", ...) if it is one of `kinds` by name and content and
    at most `max_mb` MB; otherwise a ValidationError in Chinese naming the field and the file."""
    unknown = set(kinds) - KINDS
    if unknown:
        raise ValueError(f"unknown kinds {unknown}")
    name = os.path.basename(getattr(file, "name", "") or "")
    params = {"field": field_label, "name": name, "accepted": _accepted(kinds), "max": max_mb}
    if file.size > max_mb * 1024 * 1024:
        raise ValidationError(
            _("%(field)s：文件“%(name)s”超过 %(max)s MB。") % params, code="too_large"
        )
    if file.size == 0:
        raise ValidationError(_("%(field)s：文件“%(name)s”是空的。") % params, code="empty")
    kind, looks_right = SIGNATURES.get(_extension(name), (None, None))
    if kind not in kinds:
        raise ValidationError(
            _("%(field)s：不接受文件“%(name)s”的类型，可上传 %(accepted)s。") % params,
            code="kind",
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not looks_right(head) or (head.startswith(ZIP) and not _is_office_zip(file)):
        raise ValidationError(
            _("%(field)s：文件“%(name)s”的内容与扩展名不符，可能已损坏或被改名。") % params,
            code="content",
        )
    return kind


def _is_office_zip(file) -> bool:
    """An Office Open XML or OpenDocument package, not any zip renamed to .docx."""
    try:
        with zipfile.ZipFile(file) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names or "mimetype" in names


def strip_image_metadata(file) -> ContentFile:
    """The image re-encoded without EXIF/XMP (GPS, camera serials), turned upright first."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = os.path.basename(file.name or "image")
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            upright = ImageOps.exif_transpose(image)
            upright.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as error:
        raise ValidationError(
            _("图片“%(name)s”无法读取。") % {"name": name}, code="image"
        ) from error
    output = io.BytesIO()
    if image_format == "JPEG":
        upright.convert("RGB").save(output, "JPEG", quality=90)
    else:
        upright.save(output, image_format or "PNG")
    return ContentFile(output.getvalue(), name=name)


def private_storage() -> Storage:
    """Where attachments live (STORAGES["private"]): never under STATIC_ROOT or a web root."""
    return storages["private"]


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) for a single satisfiable range; None to send the whole file."""
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None
    start, end = match.groups()
    if start == "" and end == "":
        return None
    if start == "":
        length = int(end)
        if length == 0:
            return None
        return max(size - length, 0), size - 1
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    if first > last:
        raise _Unsatisfiable
    return first, last


class _Unsatisfiable(Exception):
    pass


def _chunks(handle, remaining: int, chunk: int = 64 * 1024):
    try:
        while remaining > 0:
            data = handle.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def serve_file(request: HttpRequest, field_file, *, filename: str, inline: bool = False):
    """Stream a stored file to a reader already checked by the calling view, with Range support
    (206 Partial Content) so audio and video can seek."""
    storage_name = field_file.name
    size = field_file.storage.size(storage_name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    disposition = "inline" if inline else "attachment"
    try:
        byte_range = _byte_range(request.headers.get("Range", ""), size)
    except _Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    handle = field_file.storage.open(storage_name, "rb")
    response: HttpResponse | StreamingHttpResponse
    if byte_range is None:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = byte_range
        handle.seek(first)
        response = StreamingHttpResponse(
            _chunks(handle, last - first + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
