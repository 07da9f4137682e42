"""The login and session API without a provider: authorize URLs, callback checks, sessions that
need no refresh, argument errors, lifecycle, single-flight against a silent server."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import socket
import threading
import time
import urllib.parse
from typing import Any, Dict, List, Type

import pytest

import libgenauth

from conftest import REDIRECT_URI, closed_port

CALLBACK_ISS_PATH = "/oidc"


def local_config(**extra: object) -> Dict[str, Any]:
    config: Dict[str, Any] = {
        "appId": "app-post",
        "appSecret": "app-post-secret",
        "appHost": f"http://127.0.0.1:{closed_port()}",
        "redirectUri": REDIRECT_URI,
    }
    config.update(extra)
    return config


def query_of(url: str) -> Dict[str, str]:
    pairs = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    assert len({k for k, _ in pairs}) == len(pairs), "a parameter appears twice"
    return dict(pairs)


def callback(**params: str) -> str:
    return f"{REDIRECT_URI}?{urllib.parse.urlencode(params)}"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- authorize URL --------------------------------------------------------------------------


def test_authorize_url_carries_state_nonce_and_pkce() -> None:
    config = local_config()
    with libgenauth.Client.from_config(config) as client:
        request = client.build_authorize_url()
        again = client.build_authorize_url()
    assert isinstance(request, libgenauth.AuthorizeRequest)
    assert request.url.startswith(f"{config['appHost']}/oidc/auth?")
    query = query_of(request.url)
    assert query == {
        "client_id": "app-post",
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid profile",
        "state": request.state,
        "nonce": request.nonce,
        "code_challenge": s256(request.code_verifier),
        "code_challenge_method": "S256",
    }
    assert 43 <= len(request.code_verifier) <= 128
    assert request.code_verifier not in request.url
    # Fresh random values every time.
    assert {again.state, again.nonce, again.code_verifier}.isdisjoint(
        {request.state, request.nonce, request.code_verifier}
    )


def test_authorize_url_options() -> None:
    config = local_config()
    request = libgenauth.build_authorize_url(
        config,
        scope="openid email offline_access",
        extra_params={"login_hint": "alice@example.com", "ui_locales": "en"},
    )
    query = query_of(request.url)
    assert query["scope"] == "openid email offline_access"
    assert query["prompt"] == "consent"  # offline_access needs it at GenAuth
    assert query["login_hint"] == "alice@example.com" and query["ui_locales"] == "en"

    assert query_of(libgenauth.build_authorize_url(config, prompt="login").url)["prompt"] == "login"
    with libgenauth.Client.from_config(config) as client:
        assert "prompt" not in query_of(client.build_authorize_url(extra_params={}).url)


def test_authorize_url_errors() -> None:
    config = local_config()
    with libgenauth.Client.from_config(config) as client:
        with pytest.raises(libgenauth.ConfigError) as caught:  # consent and none contradict
            client.build_authorize_url(scope="openid offline_access", prompt="none")
        assert caught.value.code == "invalid_argument"
        with pytest.raises(libgenauth.ConfigError) as caught:  # the library's own parameter
            client.build_authorize_url(extra_params={"state": "chosen"})
        assert caught.value.code == "invalid_argument"
        with pytest.raises(libgenauth.ConfigError) as caught:
            client.build_authorize_url(scope="openid\x00profile")
        assert caught.value.code == "invalid_argument"
        with pytest.raises(TypeError):
            client.build_authorize_url(scope=["openid"])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            client.build_authorize_url(extra_params={"k": 1})  # type: ignore[dict-item]
        with pytest.raises(TypeError):
            client.build_authorize_url(extra_params=[("k", "v")])  # type: ignore[arg-type]
    without_redirect = dict(config)
    del without_redirect["redirectUri"]
    with pytest.raises(libgenauth.ConfigError):
        libgenauth.build_authorize_url(without_redirect)
    with pytest.raises(TypeError):
        libgenauth.build_authorize_url(json.dumps(config))  # type: ignore[arg-type]


def test_authorize_request_is_a_masked_frozen_dataclass() -> None:
    request = libgenauth.build_authorize_url(local_config())
    assert request.code_verifier not in repr(request)
    assert "code_verifier='***'" in repr(request)
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.state = "other"  # type: ignore[misc]
    stored = json.loads(json.dumps(request.to_dict()))
    assert set(stored) == {"url", "state", "nonce", "code_verifier"}
    assert libgenauth.AuthorizeRequest.from_dict(stored) == request
    with pytest.raises(TypeError):
        libgenauth.AuthorizeRequest.from_dict({"url": "u", "state": "s", "nonce": "n"})


# --- callbacks ------------------------------------------------------------------------------


def test_parse_callback() -> None:
    config = local_config()
    iss = config["appHost"] + CALLBACK_ISS_PATH
    with libgenauth.Client.from_config(config) as client:
        assert client.parse_callback(callback(code="the-code", state="s1"), "s1") == "the-code"
        assert client.parse_callback(callback(code="c", state="s1", iss=iss), "s1") == "c"
    assert libgenauth.parse_callback(config, callback(code="c2", state="s2"), "s2") == "c2"


@pytest.mark.parametrize(
    "params, expected_state, family, code",
    [
        ({"code": "c", "state": "s1"}, "s2", libgenauth.CallbackError, "state_mismatch"),
        ({"code": "c"}, "s1", libgenauth.CallbackError, "state_mismatch"),
        ({"code": "c", "state": "s1", "iss": "https://attacker.example/oidc"}, "s1",
         libgenauth.CallbackError, "issuer_mismatch"),
        ({"error": "access_denied", "state": "s2"}, "s1", libgenauth.CallbackError,
         "state_mismatch"),
        ({"error": "access_denied", "state": "s1"}, "s1", libgenauth.OAuthError, "oauth_error"),
        # Without this login's state, anyone could have sent it.
        ({"error": "access_denied"}, "s1", libgenauth.CallbackError, "state_mismatch"),
        ({"state": "s1"}, "s1", libgenauth.ConfigError, "invalid_argument"),
    ],
)
def test_callback_errors(params: Dict[str, str], expected_state: str,
                         family: Type[libgenauth.GenAuthError], code: str) -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        with pytest.raises(family) as caught:
            client.parse_callback(callback(**params), expected_state)
    assert type(caught.value) is family
    assert caught.value.code == code
    if family is libgenauth.OAuthError:
        assert caught.value.oauth_error == "access_denied"
        assert caught.value.http_status is None
    if "code" in params:
        assert "code=c" not in str(caught.value)


def test_malformed_callbacks() -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        for url in ("not a url", f"{REDIRECT_URI}?code=a&code=b&state=s1"):
            with pytest.raises(libgenauth.ConfigError) as caught:
                client.parse_callback(url, "s1")
            assert caught.value.code == "invalid_argument"
        with pytest.raises(TypeError):
            client.parse_callback(callback(code="c", state="s1"), None)  # type: ignore[arg-type]
        # An empty expected state (e.g. a lost login request) must not accept `state=`.
        for url in (callback(code="c", state=""), callback(code="c")):
            with pytest.raises(libgenauth.GenAuthError) as caught:
                client.parse_callback(url, "")
            assert caught.value.code in ("invalid_argument", "state_mismatch")
        with pytest.raises(TypeError):
            client.exchange_callback(callback(code="c", state="s1"), {"state": "s1"})  # type: ignore[arg-type]


def test_exchange_callback_checks_before_any_request() -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        request = client.build_authorize_url()
        with pytest.raises(libgenauth.CallbackError):  # not connect_failed: no request was made
            client.exchange_callback(callback(code="c", state="other"), request)
        with pytest.raises(libgenauth.NetworkError) as caught:  # the exchange itself is tried
            client.exchange_callback(callback(code="c", state=request.state), request)
        assert caught.value.code == "connect_failed"


# --- sessions -------------------------------------------------------------------------------

FAR_FUTURE = int(time.time()) + 3600


def test_a_fresh_session_needs_no_provider() -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        seeded = {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer",
                  "expires_at": FAR_FUTURE, "x_vendor": [1]}
        for tokens in (seeded, libgenauth.Tokens.from_dict(seeded), json.dumps(seeded),
                       {"ok": True, "tokens": seeded}):
            with client.session(tokens) as session:
                assert isinstance(session, libgenauth.Session)
                fresh = session.fresh_tokens()
                assert isinstance(fresh, libgenauth.Tokens)
                assert (fresh.access_token, fresh.refresh_token) == ("at-1", "rt-1")
                assert fresh.expires_at == FAR_FUTURE
                assert session.tokens.raw["x_vendor"] == [1]
        # Neither expires_at nor expires_in: counts as fresh.
        with client.session({"access_token": "at-2"}) as session:
            assert session.fresh_tokens(10**6).access_token == "at-2"


def test_a_stale_session_refreshes_or_says_why_not() -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        stale = {"access_token": "at-1", "refresh_token": "rt-1", "expires_at": int(time.time())}
        with client.session(stale) as session:
            with pytest.raises(libgenauth.NetworkError) as caught:  # the refresh was tried
                session.fresh_tokens()
            assert caught.value.code == "connect_failed"
        del stale["refresh_token"]
        with client.session(stale) as session:
            with pytest.raises(libgenauth.SessionError) as caught:
                session.fresh_tokens()
            assert caught.value.code == "no_refresh_token"
            assert isinstance(caught.value, libgenauth.GenAuthError)
        with client.session({"access_token": "at", "expires_in": 30}) as session:
            assert session.fresh_tokens(10).access_token == "at"
            with pytest.raises(libgenauth.SessionError):
                session.fresh_tokens(60)


def test_session_argument_errors() -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        for bad in ("not json", "[]", "{}", {"ok": True}, {"refresh_token": "rt"}):
            with pytest.raises(libgenauth.ConfigError) as caught:
                client.session(bad)  # type: ignore[arg-type]
            assert caught.value.code == "invalid_argument"
        with pytest.raises(TypeError):
            client.session(42)  # type: ignore[arg-type]
        with pytest.raises(libgenauth.ConfigError):
            client.session('{"access_token": "a\x00b"}')
        with client.session({"access_token": "at"}) as session:
            for bad_seconds in (-1, 2**32):
                with pytest.raises(ValueError):
                    session.fresh_tokens(bad_seconds)
            for wrong_type in (True, 1.5, "60", None):
                with pytest.raises(TypeError):
                    session.fresh_tokens(wrong_type)  # type: ignore[arg-type]
            assert session.fresh_tokens(2**32 - 1).access_token == "at"


def test_session_lifecycle() -> None:
    client = libgenauth.Client.from_config(local_config())
    session = client.session({"access_token": "secret-access-token", "expires_at": FAR_FUTURE})
    assert "app-post" in repr(session) and "secret-access-token" not in repr(session)
    client.close()  # the session keeps what it needs
    with pytest.raises(ValueError):
        client.session({"access_token": "at"})
    assert session.fresh_tokens().access_token == "secret-access-token"
    assert not session.closed
    with session:
        pass
    assert session.closed and "closed" in repr(session)
    session.close()  # twice is a no-op
    with pytest.raises(ValueError):
        session.fresh_tokens()
    with pytest.raises(ValueError):
        session.tokens  # noqa: B018


def silent_server() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    return server


def accept_all(server: socket.socket, accepted: List[socket.socket]) -> None:
    """Accepts connections and never answers (keeps them open)."""
    while True:
        try:
            connection, _ = server.accept()
        except OSError:
            return
        accepted.append(connection)


def test_concurrent_callers_share_one_refresh_and_its_error() -> None:
    server = silent_server()
    accepted: List[socket.socket] = []
    threading.Thread(target=accept_all, args=(server, accepted), daemon=True).start()
    try:
        config = local_config(
            appHost=f"http://127.0.0.1:{server.getsockname()[1]}", timeoutMs=600,
            validateIdToken=False,
        )
        stale = {"access_token": "at", "refresh_token": "rt", "expires_at": int(time.time())}
        with libgenauth.Client.from_config(config) as client, client.session(stale) as session:
            barrier = threading.Barrier(16)
            codes: List[str] = []

            def call() -> None:
                barrier.wait()
                try:
                    session.fresh_tokens()
                except libgenauth.NetworkError as e:
                    codes.append(e.code)

            threads = [threading.Thread(target=call) for _ in range(16)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        assert codes == ["timeout"] * 16
        assert len(accepted) == 1  # one refresh for sixteen callers
        assert elapsed < 3.0, elapsed  # they waited for it together, not one after another
    finally:
        server.close()
        for connection in accepted:
            connection.close()


def test_close_while_threads_wait_for_a_refresh() -> None:
    server = silent_server()
    try:
        config = local_config(appHost=f"http://127.0.0.1:{server.getsockname()[1]}", timeoutMs=500)
        client = libgenauth.Client.from_config(config)
        session = client.session(
            {"access_token": "at", "refresh_token": "rt", "expires_at": int(time.time())}
        )
        client.close()
        outcomes: list = []

        def call() -> None:
            for _ in range(3):
                try:
                    session.fresh_tokens()
                except (libgenauth.NetworkError, ValueError) as e:
                    outcomes.append(type(e))

        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.1)
        session.close()  # freed by the last running call, not under it
        for t in threads:
            t.join()
        assert len(outcomes) == 24
        assert set(outcomes) <= {libgenauth.NetworkError, ValueError}
        assert ValueError in outcomes
    finally:
        server.close()


# --- revoke / introspect / userinfo arguments ------------------------------------------------


def test_token_call_arguments() -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        for call in (lambda: client.revoke(""), lambda: client.introspect(""),
                     lambda: client.userinfo(""),
                     lambda: client.revoke("tok", token_type_hint="id_token")):
            with pytest.raises(libgenauth.ConfigError) as caught:
                call()
            assert caught.value.code == "invalid_argument"
        for call in (lambda: client.revoke(None), lambda: client.introspect(b"tok"),
                     lambda: client.userinfo(1), lambda: client.revoke("t", 1)):
            with pytest.raises(TypeError):
                call()  # type: ignore[arg-type]
        for call in (lambda: client.revoke("tok"), lambda: client.introspect("tok"),
                     lambda: client.userinfo("tok")):
            with pytest.raises(libgenauth.NetworkError) as caught:
                call()
            assert caught.value.code == "connect_failed"
    with pytest.raises(ValueError):
        client.revoke("tok")
    with pytest.raises(ValueError):
        client.build_authorize_url()
