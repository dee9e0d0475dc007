"""Checks on uploaded files: the type comes from the content, never the name.

Attachments are photos (JPEG, PNG, WebP) and PDF documents. ``filetype`` reads
the magic bytes; a file renamed to ``.jpg`` is still what its bytes say.
"""

from __future__ import annotations

from typing import IO

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def sniff(file: IO[bytes]) -> str | None:
    """The MIME type the first bytes of ``file`` show, or None."""
    position = file.tell() if hasattr(file, "tell") else 0
    head = file.read(8192)
    if hasattr(file, "seek"):
        file.seek(position)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def check_upload(file: IO[bytes], *, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Validate an upload by content and size; returns its MIME type.

    Raises ValidationError for anything but a JPEG/PNG/WebP photo or a PDF, or
    a file larger than ``max_bytes``.
    """
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, 2)
        size = file.tell()
        file.seek(position)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // 1024 // 1024},
            code="too_large",
        )
    mime = sniff(file)
    if mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("Only photos (JPEG, PNG, WebP) and PDF documents can be attached."),
            code="file_type",
        )
    return mime
