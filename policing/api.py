"""The policing app's REST endpoints, gathered for the router."""

from __future__ import annotations

from typing import Any


def register(router: Any, extra_urlpatterns: list) -> None:
    from . import api_fieldwork

    api_fieldwork.register(router, extra_urlpatterns)
