"""libgenauth — GenAuth OpenID Connect code exchange and token refresh, over the libgenauth C
library through ctypes.

Quick use::

    import libgenauth

    with libgenauth.Client(app_id="...", app_secret="...", app_host="https://your-app.genauth.ai",
                           redirect_uri="https://your-app.example/callback") as client:
        tokens = client.exchange_code(code)
        tokens = client.refresh(tokens.refresh_token)

The shared library is looked up, on first use, at ``$GENAUTH_LIBRARY``, then next to this file
(bundled at install time), then through the system loader (``find_library("genauth")``).

This is not GenAuth's official SDK (``genauth`` on PyPI); the two can be installed side by side.
"""

from __future__ import annotations

from ._native import LibraryNotFoundError, library_path
from .client import Client, exchange_code, refresh, version
from .errors import (
    ConfigError,
    GenAuthError,
    IdTokenError,
    InternalError,
    NetworkError,
    OAuthError,
    ProviderError,
)
from .tokens import Tokens

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Tokens",
    "exchange_code",
    "refresh",
    "version",
    "library_path",
    "GenAuthError",
    "ConfigError",
    "NetworkError",
    "OAuthError",
    "ProviderError",
    "IdTokenError",
    "InternalError",
    "LibraryNotFoundError",
]
