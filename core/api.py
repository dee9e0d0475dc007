"""Shared API pieces: keyset pagination and the one exception handler."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import DomainError


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: a deep page costs what the first one does."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500


def _flatten(errors: Any) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in errors.items())
    if isinstance(errors, list):
        return " ".join(_flatten(e) for e in errors)
    return str(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answers ``{"detail": ...}``; field errors also go under
    ``errors`` keyed by field."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.detail}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError(exc.messages)
    if isinstance(exc, OverflowError | DataError) or (
        isinstance(exc, ValueError) and "NUL" in str(exc)
    ):
        # A number too large for its column, a NUL character in text: the
        # database refuses the value; the client sent it.
        return Response(
            {
                "detail": _(
                    "Invalid input: a value is out of range or contains a NUL character."
                )
            },
            status=400,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": _("Invalid input: %(errors)s") % {"errors": _flatten(data)},
            "errors": data if isinstance(data, dict) else {"non_field_errors": data},
        }
    elif not (isinstance(data, dict) and "detail" in data):
        response.data = {"detail": _flatten(data)}
    return response


class MaskedPhoneField(serializers.CharField):
    """A phone number written in clear and read masked (``139****0000``)."""

    def to_representation(self, value: Any) -> str:
        from .crypto import mask_phone

        return mask_phone(value)
