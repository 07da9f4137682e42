"""Reading the library's result documents: ``{"ok": true, ...}`` or ``{"ok": false, "error"}``.

Nothing here ever quotes a result's text in an error: it could hold tokens.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from .errors import InternalError, error_from_document
from .tokens import Tokens

__all__ = ["document_or_raise", "member_or_raise", "tokens_or_raise", "error_of"]


def document_or_raise(text: str) -> Dict[str, Any]:
    """The whole success document, or the exception of its error raised."""
    try:
        document = json.loads(text)
    except ValueError:
        raise InternalError(
            {"code": "internal", "message": "the library returned a result that is not JSON"}
        ) from None
    if not isinstance(document, dict):
        raise InternalError(
            {"code": "internal", "message": "the library returned a result that is not an object"}
        )
    if document.get("ok") is True:
        return document
    raise error_from_document(document.get("error"), document.get("refresh_token"))


def member_or_raise(text: str, key: str) -> Dict[str, Any]:
    """The object ``key`` of a success document (``"tokens"``, ``"authorize"``...)."""
    document = document_or_raise(text)
    member: Optional[Any] = document.get(key)
    if not isinstance(member, dict):
        raise InternalError(
            {"code": "internal", "message": f"the library's result has no `{key}` object"}
        )
    return member


def tokens_or_raise(text: str) -> Tokens:
    """The ``tokens`` of a success document as :class:`Tokens`."""
    # The parsed document is this call's alone: no copy needed.
    return Tokens._from_owned(member_or_raise(text, "tokens"))


def error_of(text: str) -> Exception:
    """The exception for an error document (``{"ok": false, "error": {...}}``), e.g. the one a
    constructor function hands back through its ``char **error_json``."""
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        return error_from_document(document["error"], document.get("refresh_token"))
    if isinstance(document, dict) and "code" in document:  # a bare error object
        return error_from_document(document)
    return InternalError({"code": "internal", "message": "the library returned a malformed error"})
