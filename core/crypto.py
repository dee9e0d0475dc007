"""Personal data at rest: authenticated encryption (AES-256-GCM) of single
fields, a keyed hash (HMAC-SHA256) beside them for exact search and duplicate
checks, and the masks pages, API and exports show.

Keys come from the environment: ``FIELD_ENCRYPTION_KEYS`` (comma-separated,
base64 32-byte keys; the first encrypts, all decrypt, so a new key can be put in
front and old rows re-encrypted by ``rotate_encryption_keys`` without downtime)
and ``FIELD_HASH_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

PREFIX = "enc1"


@lru_cache(maxsize=1)
def _keys() -> tuple[tuple[str, bytes], ...]:
    keys = []
    for raw in settings.FIELD_ENCRYPTION_KEYS:
        key = base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4))
        if len(key) != 32:
            raise ValueError("FIELD_ENCRYPTION_KEYS entries must be 32 bytes, base64")
        keys.append((hashlib.sha256(key).hexdigest()[:8], key))
    return tuple(keys)


def reset_key_cache() -> None:
    _keys.cache_clear()
    _hash_key.cache_clear()


def current_key_id() -> str:
    return _keys()[0][0]


def encrypt(plain: str) -> str:
    kid, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain.encode("utf-8"), kid.encode())
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str | None:
    if not stored or not stored.startswith(PREFIX + ":"):
        return None
    return stored.split(":", 2)[1]


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX + ":"):
        return stored  # legacy clear text, re-encrypted on the next save/rotation
    _, kid, body = stored.split(":", 2)
    raw = base64.b64decode(body)
    for candidate, key in _keys():
        if candidate == kid:
            return AESGCM(key).decrypt(raw[:12], raw[12:], kid.encode()).decode("utf-8")
    raise ValueError(f"no key {kid} among FIELD_ENCRYPTION_KEYS")


@lru_cache(maxsize=1)
def _hash_key() -> bytes:
    return settings.FIELD_HASH_KEY.encode()


def blind_index(value: str | None) -> str:
    """A keyed hash of a normalised value: equal inputs give equal hashes, and
    the hash reveals nothing without the key. Empty input gives ""."""
    if not value:
        return ""
    normal = "".join(str(value).split()).upper()
    return hmac.new(_hash_key(), normal.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees clear text.

    It cannot be filtered on: keep a ``blind_index`` column beside it for exact
    search.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if isinstance(value, str) and value.startswith(PREFIX + ":"):
            return value
        return encrypt(str(value))


def mask_id_number(value: str | None) -> str:
    """``110105194912310021`` -> ``110***********0021``."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: Any) -> str:
    """``13900000000`` (or ``+8613900000000``) -> ``139****0000``."""
    if not value:
        return ""
    digits = str(value)
    if digits.startswith("+86"):
        digits = digits[3:]
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _keys_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY"}:
        reset_key_cache()


def _connect_settings_signal() -> None:
    from django.core.signals import setting_changed

    setting_changed.connect(_keys_changed, dispatch_uid="crypto_keys_changed")


_connect_settings_signal()
