"""How personal data of parties is shown: masked everywhere.

There is exactly one template filter (``{{ value|masked:"phone" }}`` in
``disputes_tags``) and one serializer field (``serializers.MaskedField``), both
calling :func:`masked`; a reveal-with-reason flow plugs in here.
"""

from __future__ import annotations

from typing import Any

from core.crypto import mask_id_number, mask_phone

MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def masked(value: Any, kind: str) -> str:
    """``kind`` is ``phone`` (``139****0000``) or ``id_number``
    (``110***********123X``)."""
    return MASKS[kind](value) if value else ""
