"""Uploads are judged by their bytes and size, never by their name."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import MAX_UPLOAD_BYTES, check_upload


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_a_real_photo_is_accepted():
    assert check_upload(SimpleUploadedFile("x.png", png_bytes())) == "image/png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),
        ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("doc.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),  # a Windows program
        ("photo.jpg", b"PK\x03\x04" + b"\x00" * 100),  # a zip archive
        ("empty.jpg", b""),
    ],
)
def test_files_whose_content_is_not_a_photo_or_pdf_are_refused(name, content):
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile(name, content))


def test_oversized_files_are_refused():
    big = io.BytesIO(png_bytes() + b"\x00" * MAX_UPLOAD_BYTES)
    with pytest.raises(ValidationError):
        check_upload(big)
