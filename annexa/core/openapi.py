"""The error answers every API operation can give, added to the published schema.

drf-spectacular documents what a view declares, usually only its success. The tenancy layer,
authentication and validation answer the same way everywhere, so they are described once here
(a ``POSTPROCESSING_HOOKS`` entry) rather than on each view: clients, and schemathesis in
``tests/security``, then know every status code the server may send.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": '{"detail": "…"} or the refused fields, each with its messages.',
    "additionalProperties": {},
}
UNSAFE = {"post", "put", "patch", "delete"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def errors_for(path: str, method: str, operation: dict) -> dict[str, dict]:
    """The error responses ``operation`` (``method`` on ``path``) can answer with."""
    answers = {"400": _error("The request was refused: the detail says what to change.")}
    signed_in = {} not in operation.get("security", [{}])
    if signed_in:
        answers["401"] = _error("No valid credentials: sign in or send an active API key.")
    if method in UNSAFE and "{org}" in path:
        answers["403"] = _error("Your role in the organization does not allow this change.")
    if "{" in path:
        answers["404"] = _error(
            "No such object, or an organization you are not a member of (never revealed)."
        )
    if "requestBody" in operation:
        answers["415"] = _error("The body's Content-Type is not one this operation reads.")
    if method in UNSAFE:
        answers["409"] = _error("The object's current state does not allow this change.")
    if signed_in:
        answers["429"] = _error(
            "Too many failed attempts from your address: wait for the Retry-After seconds."
        )
    return answers


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: add ``errors_for`` to every operation, keeping
    any response a view documents itself."""
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, response in errors_for(path, method, operation).items():
                operation["responses"].setdefault(code, response)
    return result
