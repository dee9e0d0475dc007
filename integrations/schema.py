"""drf-spectacular hooks applying the integration contract to every
operation, whichever app defines it: the error body, the rate-limit answer and
the ``Idempotency-Key`` header of POSTs."""

from __future__ import annotations

from typing import Any

from . import schema_examples
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


# Descriptions for operations of other apps that have only a summary; the
# owning app's own annotation wins when it has one.
DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("get", "/api/v1/activities/{id}/"): "One activity (patrol, visit, mediation, "
    "publicity ...) in a grid the caller can see; another area's answers 404.",
    ("post", "/api/v1/hazards/"): "Report a safety hazard found in a grid, with "
    "its rectification deadline. The grid must lie within the caller's scope.",
    ("get", "/api/v1/hazards/{id}/"): "One hazard with its rectification state; "
    "another area's answers 404.",
    ("post", "/api/v1/hazards/{id}/fix/"): "Record that the hazard was rectified; "
    "it then waits for verification. 409 when it is not open.",
    ("post", "/api/v1/hazards/{id}/verify/"): "Verify a rectified hazard (or send "
    "it back); 409 when it is not waiting for verification.",
    ("get", "/api/v1/time-entries/{id}/"): "One hand-logged time entry of a member "
    "of the forces in the caller's scope.",
}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"].get(name, {})
    return schema


def example_of(document: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value for a schema, for operations nobody wrote an example
    for (Swagger UI shows it; clients see the shape)."""
    schema = _resolve(document, schema)
    if depth > 6:
        return None
    if "example" in schema:
        return schema["example"]
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            return example_of(document, schema[key][0], depth + 1)
    if "enum" in schema:
        return next((v for v in schema["enum"] if v not in ("", None)), None)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        return {
            name: example_of(document, sub, depth + 1)
            for name, sub in schema.get("properties", {}).items()
            if not sub.get("writeOnly")
        }
    if kind == "array":
        return [example_of(document, schema.get("items", {}), depth + 1)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    return (
        {
            "date-time": "2026-11-30T09:30:00+08:00",
            "date": "2026-11-30",
            "uri": "https://example.cn/",
            "email": "user@example.cn",
            "uuid": "1c5e4c1e-6a0b-4a57-8f7e-3f1b0f7c9d10",
        }.get(fmt, "string")
        if kind in (None, "string")
        else None
    )


def _has_example(operation: dict[str, Any]) -> bool:
    bodies = [operation.get("requestBody", {})] + list(
        operation.get("responses", {}).values()
    )
    return any(
        "example" in media or "examples" in media
        for body in bodies
        for media in body.get("content", {}).values()
    )


def _add_example(document: dict[str, Any], operation: dict[str, Any]) -> None:
    for code in sorted(operation.get("responses", {})):
        if not code.startswith("2"):
            continue
        for media in operation["responses"][code].get("content", {}).values():
            if "schema" in media:
                media["example"] = example_of(document, media["schema"])
                return


def add_contract(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
        ERROR_SCHEMA
    )
    for url, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            schema_examples.apply(operation, method, url)
            if not operation.get("description"):
                operation["description"] = DESCRIPTIONS.get(
                    (method, url), operation.get("summary", "")
                )
            if not _has_example(operation):
                _add_example(result, operation)
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
