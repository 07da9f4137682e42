"""Shared helpers: the development provider (GENAUTH_DEV_URL) and its headless login."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Optional, Tuple

import pytest

REDIRECT_URI = "http://127.0.0.1:8976/callback"
SECRETS = {"app-post": "app-post-secret", "app-basic": "app-basic-secret"}


@pytest.fixture(scope="session")
def dev_url() -> str:
    url = os.environ.get("GENAUTH_DEV_URL")
    if not url:
        pytest.skip(
            "GENAUTH_DEV_URL is not set: run under scripts/with-devprovider to test against the "
            "development provider"
        )
    return url.rstrip("/")


def dev_login(dev_url: str, client_id: str, **params: str) -> Dict[str, Any]:
    """A real headless login at the provider: {"code", "state", "iss", "callback_url"}."""
    query = urllib.parse.urlencode({"client_id": client_id, **params})
    try:
        with urllib.request.urlopen(f"{dev_url}/dev/login?{query}", timeout=30) as reply:
            return json.loads(reply.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"/dev/login failed ({e.code}): {e.read()[:2000]!r}") from None


def dev_login_url(dev_url: str, authorize_url: str) -> Dict[str, Any]:
    """Drives a complete authorize URL (e.g. one the library built) through a headless login:
    {"code", "state", "iss", "callback_url"}. A login ending in an error callback answers HTTP
    500 with the `callback_url` carrying `error=`: that body is returned as is."""
    query = urllib.parse.urlencode({"authorize_url": authorize_url})
    try:
        with urllib.request.urlopen(f"{dev_url}/dev/login?{query}", timeout=30) as reply:
            return json.loads(reply.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if e.code == 500 and isinstance(document, dict) and document.get("callback_url"):
            return document
        raise AssertionError(f"/dev/login failed ({e.code}): {body[:2000]!r}") from None


@pytest.fixture
def login(dev_url: str) -> Callable[..., Dict[str, Any]]:
    return lambda client_id="app-post", **params: dev_login(dev_url, client_id, **params)


@pytest.fixture
def config(dev_url: str) -> Callable[..., Dict[str, Any]]:
    """A config document for one of the provider's clients."""

    def make(client_id: str = "app-post", **extra: Any) -> Dict[str, Any]:
        document: Dict[str, Any] = {
            "appId": client_id,
            "appHost": dev_url,
            "redirectUri": REDIRECT_URI,
        }
        if client_id in SECRETS:
            document["appSecret"] = SECRETS[client_id]
        if client_id == "app-basic":
            document["tokenEndPointAuthMethod"] = "client_secret_basic"
        if client_id == "app-public":
            document["tokenEndPointAuthMethod"] = "none"
        document.update(extra)
        return document

    return make


def pkce_pair() -> Tuple[str, str]:
    """(code_verifier, S256 code_challenge), RFC 7636."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def requests_log(dev_url: str) -> Any:
    with urllib.request.urlopen(f"{dev_url}/dev/requests", timeout=30) as reply:
        return json.loads(reply.read())


def clear_requests(dev_url: str) -> None:
    request = urllib.request.Request(f"{dev_url}/dev/requests", method="DELETE")
    with urllib.request.urlopen(request, timeout=30) as reply:
        reply.read()


def assert_fresh_tokens(tokens: Any, refresh: Optional[bool] = True) -> None:
    assert tokens.access_token
    assert tokens.token_type and tokens.token_type.lower() == "bearer"
    assert isinstance(tokens.expires_in, int) and tokens.expires_in > 0
    assert isinstance(tokens.expires_at, int) and tokens.expires_at > tokens.expires_in
    if refresh:
        assert tokens.refresh_token
    assert tokens.raw["access_token"] == tokens.access_token
