"""libgenauth — GenAuth OpenID Connect logins, code exchange, token refresh, sessions,
revocation, introspection and userinfo, over the libgenauth C library through ctypes.

Quick use::

    import libgenauth

    with libgenauth.Client(app_id="...", app_secret="...", app_host="https://your-app.genauth.ai",
                           redirect_uri="https://your-app.example/callback") as client:
        request = client.build_authorize_url(scope="openid profile offline_access")
        # ... send the browser to request.url; it comes back to the redirect URI ...
        tokens = client.exchange_callback(callback_url, request)
        with client.session(tokens) as session:
            access_token = session.fresh_tokens().access_token

In asyncio code, :class:`AsyncClient` has the same calls as coroutines (``await
client.build_authorize_url(...)``, ``await client.exchange_callback(...)``...) and its
:class:`AsyncSession` an ``await session.fresh_tokens()``, over the library's non-blocking calls.

The shared library is looked up, on first use, at ``$GENAUTH_LIBRARY``, then next to this file
(bundled at install time), then through the system loader (``find_library("genauth")``).

This is not GenAuth's official SDK (``genauth`` on PyPI); the two can be installed side by side.
"""

from __future__ import annotations

from ._native import LibraryNotFoundError, library_path
from .aio import AsyncClient
from .client import Client, exchange_code, refresh, set_log_callback, version
from .errors import (
    CallbackError,
    ConfigError,
    GenAuthError,
    IdTokenError,
    InternalError,
    NetworkError,
    OAuthError,
    ProviderError,
    SessionError,
    PendingError,
    LoginError,
)
from .login import AuthorizeRequest, build_authorize_url, parse_callback
from .session import AsyncSession, Session, TokensLike
from .tokens import Tokens

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Session",
    "AsyncClient",
    "AsyncSession",
    "TokensLike",
    "Tokens",
    "AuthorizeRequest",
    "build_authorize_url",
    "parse_callback",
    "exchange_code",
    "refresh",
    "version",
    "set_log_callback",
    "library_path",
    "GenAuthError",
    "ConfigError",
    "NetworkError",
    "OAuthError",
    "ProviderError",
    "IdTokenError",
    "CallbackError",
    "SessionError",
    "PendingError",
    "LoginError",
    "InternalError",
    "LibraryNotFoundError",
]
