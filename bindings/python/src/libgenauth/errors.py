"""Exceptions raised for the library's error documents, one class per family of error codes."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type

__all__ = [
    "GenAuthError",
    "ConfigError",
    "NetworkError",
    "OAuthError",
    "ProviderError",
    "IdTokenError",
    "CallbackError",
    "SessionError",
    "InternalError",
    "error_from_document",
]


class GenAuthError(Exception):
    """A failed call: the ``error`` object of a result document.

    ``str(exc)`` is the library's one-sentence ``message``. The library guarantees that no error
    text contains the client secret, a code, a code verifier or any token.

    Attributes:
        code: the stable error code, e.g. ``"oauth_error"`` or ``"connect_failed"``.
        message: one human sentence.
        http_status: the provider's HTTP status, when there was a reply.
        oauth_error: the RFC 6749 ``error`` the provider sent (``oauth_error`` only).
        oauth_error_description: its ``error_description``, when sent.
        reason: for ``id_token_invalid``, the check that failed (``signature``, ``exp``, ...).
        details: the whole error object as the library returned it (unknown fields kept).
        refresh_token: when the provider accepted the grant and the call failed afterwards (the
            id_token did not verify, the deadline passed), the refresh token its reply carried —
            possibly a rotated one, the only one still valid: store it as you would a successful
            result's. Never shown by ``str`` or ``repr``.
    """

    code: str
    message: str
    http_status: Optional[int]
    oauth_error: Optional[str]
    oauth_error_description: Optional[str]
    reason: Optional[str]
    details: Dict[str, Any]
    refresh_token: Optional[str]

    def __init__(self, error: Mapping[str, Any], refresh_token: Optional[str] = None) -> None:
        details = dict(error)
        self.refresh_token = refresh_token if isinstance(refresh_token, str) else None
        self.details = details
        self.code = str(details.get("code") or "internal")
        self.message = str(details.get("message") or self.code)
        status = details.get("http_status")
        self.http_status = status if isinstance(status, int) and not isinstance(status, bool) else None
        self.oauth_error = _optional_str(details.get("oauth_error"))
        self.oauth_error_description = _optional_str(details.get("oauth_error_description"))
        self.reason = _optional_str(details.get("reason"))
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        fields = [f"code={self.code!r}", f"message={self.message!r}"]
        for name in ("http_status", "oauth_error", "oauth_error_description", "reason"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"

    def __reduce__(self) -> Any:
        # Rebuilt from the error object, so exceptions survive pickling (multiprocessing).
        return (type(self), (self.details, self.refresh_token))


class ConfigError(GenAuthError):
    """The call's input was refused before any request: ``invalid_config``, ``null_argument``,
    ``invalid_utf8``, ``invalid_argument`` or ``insecure_transport``."""


class NetworkError(GenAuthError):
    """No complete reply: ``timeout``, ``connect_failed`` or ``tls``."""


class OAuthError(GenAuthError):
    """The provider answered with an RFC 6749 error object (``oauth_error``): see
    ``oauth_error`` (e.g. ``invalid_grant``, ``invalid_client``) and ``http_status``."""


class ProviderError(GenAuthError):
    """The provider's reply was unusable: ``http_status`` (a non-2xx without an error object) or
    ``invalid_response`` (not JSON, no ``access_token``, too large)."""


class IdTokenError(GenAuthError):
    """The id_token failed verification (``id_token_invalid``); ``reason`` names the check."""


class CallbackError(GenAuthError):
    """The login callback is not this login's answer: ``state_mismatch`` (its ``state`` is not
    the one the login request carried: forged, or from another login) or ``issuer_mismatch``
    (its RFC 9207 ``iss`` names another provider). Do not exchange anything; start a new login.

    A callback carrying the provider's ``error=`` is an :class:`OAuthError` instead (with
    ``http_status`` ``None``), and one without a code or not a URL a :class:`ConfigError`.
    """


class SessionError(GenAuthError):
    """A :class:`~libgenauth.Session` cannot produce fresh tokens by itself:
    ``no_refresh_token`` (the held tokens are stale and there is no refresh token). The user
    must sign in again."""


class PendingError(GenAuthError):
    """A device authorization is still waiting for the user (``authorization_pending``): the
    poll's ``max_wait_seconds`` ended first. Poll again."""


class LoginError(GenAuthError):
    """A loopback login did not complete: no callback in time (``login_timeout``), or no
    browser could be opened (``browser_failed``)."""


class InternalError(GenAuthError):
    """A bug caught at the boundary (``internal``), a blocking call from a library callback
    thread (``reentrant_call``), or an error code this version of the binding does not know."""


_FAMILIES: Dict[str, Type[GenAuthError]] = {
    "invalid_config": ConfigError,
    "null_argument": ConfigError,
    "invalid_utf8": ConfigError,
    "invalid_argument": ConfigError,
    "insecure_transport": ConfigError,
    "timeout": NetworkError,
    "connect_failed": NetworkError,
    "tls": NetworkError,
    "oauth_error": OAuthError,
    "http_status": ProviderError,
    "invalid_response": ProviderError,
    "id_token_invalid": IdTokenError,
    "state_mismatch": CallbackError,
    "issuer_mismatch": CallbackError,
    "no_refresh_token": SessionError,
    "internal": InternalError,
    "reentrant_call": InternalError,
    "authorization_pending": PendingError,
    "login_timeout": LoginError,
    "browser_failed": LoginError,
}


def error_from_document(error: Any, refresh_token: Any = None) -> GenAuthError:
    """The exception for the ``error`` object of a result document (unknown codes give
    ``InternalError``); ``refresh_token`` is the document's own, when it carries one."""
    if not isinstance(error, Mapping):
        error = {"code": "internal", "message": "the library returned a malformed error document"}
    cls = _FAMILIES.get(str(error.get("code")), InternalError)
    return cls(error, _optional_str(refresh_token))


def _optional_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None
