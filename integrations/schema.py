"""drf-spectacular hooks applying the integration contract to every
operation, whichever app defines it: the error body, the rate-limit answer and
the ``Idempotency-Key`` header of POSTs."""

from __future__ import annotations

from typing import Any

from .idempotency import PREFIX, describe_header

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx answer. `errors` lists messages per field for 400.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
STANDARD_ERRORS = {
    "400": "Invalid input.",
    "401": "Not authenticated: send `Authorization: Token <token>`.",
    "403": "Not allowed for this account.",
    "404": "Not found, or outside the account's scope.",
    "429": "Rate limited; retry after the seconds given in `Retry-After`.",
}
IDEMPOTENCY_ERRORS = {
    "409": "A request with this Idempotency-Key is still running, or the "
    "record changed meanwhile.",
    "422": "This Idempotency-Key was used with a different request.",
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def add_contract(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
        ERROR_SCHEMA
    )
    for url, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            public = operation.get("security") == [{}] or {} in operation.get(
                "security", []
            )
            for code, description in STANDARD_ERRORS.items():
                if public and code in {"401", "403"}:
                    continue
                responses.setdefault(code, _error(description))
            if method == "post" and url.startswith(PREFIX):
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(describe_header())
                for code, description in IDEMPOTENCY_ERRORS.items():
                    responses.setdefault(code, _error(description))
    return result
