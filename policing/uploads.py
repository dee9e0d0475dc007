"""Checks on field-work photos: the shared content check of ``core.uploads``
(type from the magic bytes, never the name), narrowed to photos and to a
smaller size, since activity photos come from phones in the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.uploads import check_upload

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 6
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


def validate_photo(upload: UploadedFile) -> str:
    """Return the photo's content type, or raise ValidationError."""
    mime = check_upload(upload, max_bytes=MAX_PHOTO_BYTES)
    if mime not in PHOTO_TYPES:
        raise ValidationError(
            _("Only JPEG, PNG or WebP photos are accepted."), code="file_type"
        )
    return mime
