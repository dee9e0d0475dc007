"""Checks on uploaded field-work photos.

A small stand-in for the shared ``core/uploads.py`` that the dispute
attachments use; once that is on main, ``validate_photo`` should delegate to
it. The type is read from the file's content (magic bytes), never from the
name or the browser's claim.
"""

from __future__ import annotations

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}


def validate_photo(upload: UploadedFile) -> str:
    """Return the photo's content type, or raise ValidationError."""
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("A photo may be at most %(mb)s MB.") % {"mb": MAX_PHOTO_BYTES // 2**20},
            code="too_large",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    head = upload.read(262)
    upload.seek(position)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in PHOTO_TYPES:
        raise ValidationError(
            _("Only JPEG, PNG, WebP or HEIC photos are accepted."), code="type"
        )
    return kind.mime
