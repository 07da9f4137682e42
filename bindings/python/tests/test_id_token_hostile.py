"""Hostile id_tokens through the Python binding, against examples/hostile_idp.rs started here as
a subprocess (built with cargo when missing). Needs no development provider.

Every scenario of the server is one provider at app_host ``URL/<scenario>.<tag>``; the tag holds
this process's id and the test's own name, so tests never share a provider's hit counts or key
rotation (one-shot calls share the library's cache per app_host within the process).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

import pytest

import libgenauth

from conftest import REDIRECT_URI

ROOT = Path(__file__).resolve().parents[3]
SERVER = ROOT / "target" / "release" / "examples" / "hostile_idp"
APP_ID = "app-1"
APP_SECRET = "secret-0123456789abcdef"
REFRESH_TOKEN = "rt-of-the-python-suite-0123456789abcdef"

DISCOVERY = "/oidc/.well-known/openid-configuration"
JWKS = "/oidc/.well-known/jwks.json"
TOKEN = "/oidc/token"

# Scenario -> the reason the library must give, on the first and on a second call within the
# library's 10 s key-refetch floor.
REJECTED = {
    "tampered": "signature",
    "wrong-aud": "aud",
    "wrong-iss": "iss",
    "expired": "exp",
    "alg-none": "alg",
    "hs256-public-key": "signature",
    "unknown-kid": "signature",
    "at-hash-bad": "at_hash",
    "discovery-down": "keys_unavailable",
    "keys-down": "keys_unavailable",
    "malformed": "malformed",
    "nbf-future": "nbf",
    "iat-future": "iat",
    "wrong-azp": "azp",
    "multi-aud-no-azp": "azp",
}
# A second call within the refetch floor answers as the first unless listed here (keys-down
# stays keys_unavailable: no new fetch, and no key is not a bad signature).
SECOND_CALL: dict[str, str] = {}
# Rejected before any key is looked up, or HS256: no key fetch.
NO_KEY_FETCH = {"alg-none", "hs256-public-key", "malformed", "discovery-down", "hs256-secret"}
ACCEPTED = ["valid", "nonce", "hs256-secret"]


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    """The hostile provider's base URL, http://127.0.0.1:PORT."""
    if not SERVER.exists():
        if shutil.which("cargo") is None:
            pytest.skip(f"{SERVER.relative_to(ROOT)} is not built and cargo is not on PATH")
        subprocess.run(
            ["cargo", "build", "--release", "--example", "hostile_idp"], cwd=ROOT, check=True
        )
    process = subprocess.Popen(
        [str(SERVER), "--max-seconds", "600"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first, "hostile_idp exited before printing its port"
        port = json.loads(first)["port"]
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def provider(idp: str, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """provider(scenario) -> an app_host of that scenario that no other test uses."""
    test = "".join(c if c.isalnum() or c == "-" else "-" for c in request.node.name)

    def make(scenario: str, tag: str = "") -> str:
        return f"{idp}/{scenario}.py{os.getpid()}-{test}{tag}"

    return make


def config(app_host: str) -> Dict[str, Any]:
    return {
        "appId": APP_ID,
        "appSecret": APP_SECRET,
        "appHost": app_host,
        "redirectUri": REDIRECT_URI,
        "timeoutMs": 3000,
    }


def client_for(app_host: str) -> libgenauth.Client:
    return libgenauth.Client(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        app_host=app_host,
        redirect_uri=REDIRECT_URI,
        timeout_ms=3000,
    )


def stats(app_host: str) -> Dict[str, Any]:
    with urllib.request.urlopen(f"{app_host}/stats", timeout=10) as reply:
        return json.loads(reply.read())


def hits(app_host: str, path: str) -> int:
    return int(stats(app_host)["hits"].get(path, 0))


def assert_rejected(caught: pytest.ExceptionInfo, reason: str, app_host: str) -> None:
    """An IdTokenError with this reason whose every text is free of the tokens and secret."""
    error = caught.value
    assert isinstance(error, libgenauth.IdTokenError), repr(error)
    assert (error.code, error.reason) == ("id_token_invalid", reason), repr(error)
    s = stats(app_host)
    id_token: Optional[str] = s["last_id_token"]
    assert id_token, "the provider issued no id_token"
    needles = [id_token, *(p for p in id_token.split(".") if p), s["last_access_token"]]
    needles += [REFRESH_TOKEN, APP_SECRET]
    texts = [str(error), repr(error), json.dumps(error.details)]
    for needle in needles:
        for text in texts:
            assert needle not in text, f"{text!r} contains a token or the secret"


def assert_verified(tokens: libgenauth.Tokens, app_host: str) -> None:
    claims = tokens.id_token_claims
    assert claims is not None, tokens.raw
    assert claims["sub"] == "user-1" and claims["aud"] == APP_ID, claims
    assert claims["email"] == "alice@example.com", claims
    s = stats(app_host)
    assert tokens.id_token == s["last_id_token"]
    assert tokens.access_token == s["last_access_token"]


def assert_fetched_once(app_host: str, scenario: str, calls: int) -> None:
    h = stats(app_host)["hits"]
    assert h.get(DISCOVERY) == 1, h
    assert h.get(TOKEN) == calls, h
    assert h.get(JWKS, 0) == (0 if scenario in NO_KEY_FETCH else 1), h


def refresh_twice(call: Callable[[], libgenauth.Tokens], scenario: str, app_host: str) -> None:
    for reason in (REJECTED[scenario], SECOND_CALL.get(scenario, REJECTED[scenario])):
        with pytest.raises(libgenauth.GenAuthError) as caught:
            call()
        assert_rejected(caught, reason, app_host)
    assert_fetched_once(app_host, scenario, 2)


@pytest.mark.parametrize("scenario", sorted(REJECTED))
def test_client_refresh_rejects(provider: Callable[[str], str], scenario: str) -> None:
    app_host = provider(scenario)
    with client_for(app_host) as client:
        refresh_twice(lambda: client.refresh(REFRESH_TOKEN), scenario, app_host)


@pytest.mark.parametrize("scenario", sorted(REJECTED))
def test_oneshot_refresh_rejects(provider: Callable[[str], str], scenario: str) -> None:
    app_host = provider(scenario)
    refresh_twice(lambda: libgenauth.refresh(config(app_host), REFRESH_TOKEN), scenario, app_host)


@pytest.mark.parametrize("scenario", ACCEPTED)
def test_client_refresh_verifies(provider: Callable[[str], str], scenario: str) -> None:
    app_host = provider(scenario)
    with client_for(app_host) as client:
        for _ in range(2):
            assert_verified(client.refresh(REFRESH_TOKEN), app_host)
    assert_fetched_once(app_host, scenario, 2)


@pytest.mark.parametrize("scenario", ACCEPTED)
def test_oneshot_refresh_verifies(provider: Callable[[str], str], scenario: str) -> None:
    app_host = provider(scenario)
    for _ in range(2):
        assert_verified(libgenauth.refresh(config(app_host), REFRESH_TOKEN), app_host)
    assert_fetched_once(app_host, scenario, 2)


def test_async_refresh_rejects(provider: Callable[[str], str]) -> None:
    app_host = provider("expired")

    async def main() -> None:
        with client_for(app_host) as client:
            with pytest.raises(libgenauth.GenAuthError) as caught:
                await client.refresh_async(REFRESH_TOKEN)
            assert_rejected(caught, "exp", app_host)

    asyncio.run(main())


@pytest.mark.parametrize(
    "scenario, nonce, reason",
    [
        ("nonce", "n-expected", None),
        ("nonce", "n-wrong", "nonce"),
        ("nonce", None, None),  # no nonce given: the token's is not checked
        ("valid", "n-expected", "nonce"),  # a nonce given, none in the token
    ],
)
def test_exchange_nonce(
    provider: Callable[[str], str], scenario: str, nonce: Optional[str], reason: Optional[str]
) -> None:
    app_host = provider(scenario)
    with client_for(app_host) as client:
        if reason is None:
            tokens = client.exchange_code("any-code", nonce=nonce)
            assert_verified(tokens, app_host)
            assert tokens.id_token_claims is not None
            expected = "n-expected" if scenario == "nonce" else None
            assert tokens.id_token_claims.get("nonce") == expected
        else:
            with pytest.raises(libgenauth.GenAuthError) as caught:
                client.exchange_code("any-code", nonce=nonce)
            assert_rejected(caught, reason, app_host)
            assert "any-code" not in str(caught.value)


@pytest.mark.parametrize("mode", ["client", "oneshot"])
def test_unknown_kid_fetches_keys_a_bounded_number_of_times(
    provider: Callable[[str], str], mode: str
) -> None:
    app_host = provider("unknown-kid")

    def outcome(call: Callable[[], libgenauth.Tokens]) -> str:
        try:
            call()
        except libgenauth.IdTokenError as e:
            return str(e.reason)
        return "ok"

    with client_for(app_host) as client, ThreadPoolExecutor(max_workers=20) as pool:
        if mode == "client":
            calls = [lambda: client.refresh(REFRESH_TOKEN)] * 20
        else:
            calls = [lambda: libgenauth.refresh(config(app_host), REFRESH_TOKEN)] * 20
        outcomes = list(pool.map(outcome, calls))
    assert outcomes == ["signature"] * 20
    h = stats(app_host)["hits"]
    assert h.get(TOKEN) == 20, h
    assert 1 <= h.get(JWKS, 0) <= 2, f"20 calls with an unknown kid fetched the keys: {h}"


@pytest.mark.parametrize("mode", ["client", "oneshot"])
def test_rotated_key_is_not_refetched_within_the_floor(
    provider: Callable[[str], str], mode: str
) -> None:
    """The first token (key A) verifies and the keys {A} are fetched; the provider then rotates
    to key B. A token signed by B within 10 s of that fetch is refused without a second fetch.
    That it verifies after one refetch once 10 s have passed is tested once, in the C suite
    (tests/c/test_id_token.c, rotate:after-10s), to keep this suite from waiting."""
    app_host = provider("rotate")
    with client_for(app_host) as client:

        def call() -> libgenauth.Tokens:
            if mode == "client":
                return client.refresh(REFRESH_TOKEN)
            return libgenauth.refresh(config(app_host), REFRESH_TOKEN)

        assert_verified(call(), app_host)
        s = stats(app_host)
        assert s["rotated"] and s["hits"].get(JWKS) == 1, s
        with pytest.raises(libgenauth.GenAuthError) as caught:
            call()
        assert_rejected(caught, "signature", app_host)
        assert hits(app_host, JWKS) == 1
