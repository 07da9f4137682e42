"""The rest of the flow against the development provider (scripts/with-devprovider): logins
started from the library's authorize URL, callbacks, sessions, revocation, introspection and
userinfo."""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Tuple

import pytest

import libgenauth

from conftest import (
    REDIRECT_URI,
    assert_fresh_tokens,
    clear_requests,
    dev_login_url,
    requests_log,
)

SCOPE = "openid profile email offline_access"


def log_in(
    dev_url: str, client: libgenauth.Client, scope: str = SCOPE
) -> Tuple[libgenauth.AuthorizeRequest, Dict[str, Any], libgenauth.Tokens]:
    """A whole login started from the library's URL: (request, callback, tokens)."""
    request = client.build_authorize_url(scope=scope)
    callback = dev_login_url(dev_url, request.url)
    tokens = client.exchange_callback(callback["callback_url"], request)
    return request, callback, tokens


def with_query(url: str, **changes: str) -> str:
    """`url` with the given query parameters replaced (or added)."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update(changes)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def stale(tokens: libgenauth.Tokens) -> Dict[str, Any]:
    """The tokens document with `expires_at` set to now: a session must refresh it."""
    document = tokens.to_dict()
    document["expires_at"] = int(time.time())
    return document


def token_requests(dev_url: str) -> List[Dict[str, Any]]:
    return [r for r in requests_log(dev_url) if r["path"] == "/oidc/token"]


# --- login ----------------------------------------------------------------------------------


@pytest.mark.parametrize("client_id", ["app-post", "app-public"])
def test_full_login_driven_by_the_generated_url(dev_url: str, config, client_id: str) -> None:
    with libgenauth.Client.from_config(config(client_id)) as client:
        request = client.build_authorize_url(scope=SCOPE)
        assert request.url.startswith(f"{dev_url}/oidc/auth?")
        callback = dev_login_url(dev_url, request.url)
        assert callback["state"] == request.state
        assert callback["iss"] == f"{dev_url}/oidc"

        code = client.parse_callback(callback["callback_url"], request.state)
        assert code == callback["code"]
        tokens = client.exchange_code(
            code, code_verifier=request.code_verifier, nonce=request.nonce
        )
    assert_fresh_tokens(tokens)
    assert tokens.refresh_token
    assert tokens.scope is not None and "offline_access" in tokens.scope.split()
    assert tokens.id_token_claims is not None
    assert tokens.id_token_claims["nonce"] == request.nonce
    assert tokens.id_token_claims["sub"] == "user-1"
    exchange = token_requests(dev_url)[-1]
    assert (exchange["grant_type"], exchange["client_id"]) == ("authorization_code", client_id)
    assert "code_verifier" in exchange["body_keys"]


def test_exchange_callback_and_the_module_functions(dev_url: str, config) -> None:
    document = config("app-public")
    request = libgenauth.build_authorize_url(document, scope="openid email")
    callback = dev_login_url(dev_url, request.url)
    assert libgenauth.parse_callback(document, callback["callback_url"], request.state) == (
        callback["code"]
    )
    with libgenauth.Client.from_config(document) as client:
        tokens = client.exchange_callback(callback["callback_url"], request)
    assert_fresh_tokens(tokens, refresh=False)
    assert tokens.refresh_token is None  # no offline_access: GenAuth issues none
    assert tokens.id_token_claims is not None
    assert tokens.id_token_claims["nonce"] == request.nonce
    assert tokens.id_token_claims["email"] == "alice@example.com"


def test_the_request_survives_a_round_trip_through_a_dict(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-public")) as client:
        stored = client.build_authorize_url(scope=SCOPE).to_dict()  # e.g. a server-side session
        request = libgenauth.AuthorizeRequest.from_dict(stored)
        callback = dev_login_url(dev_url, request.url)
        assert_fresh_tokens(client.exchange_callback(callback["callback_url"], request))


def test_callback_checks(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        request = client.build_authorize_url(scope=SCOPE)
        callback = dev_login_url(dev_url, request.url)
        callback_url = callback["callback_url"]

        with pytest.raises(libgenauth.CallbackError) as caught:  # not this login's state
            client.parse_callback(callback_url, secrets.token_urlsafe(24))
        assert caught.value.code == "state_mismatch"
        with pytest.raises(libgenauth.CallbackError) as caught:  # another login's request
            client.exchange_callback(callback_url, client.build_authorize_url(scope=SCOPE))
        assert caught.value.code == "state_mismatch"

        with pytest.raises(libgenauth.CallbackError) as caught:  # RFC 9207 mix-up defence
            client.parse_callback(
                with_query(callback_url, iss="https://attacker.example/oidc"), request.state
            )
        assert caught.value.code == "issuer_mismatch"

        denied = with_query(
            REDIRECT_URI,
            error="access_denied",
            error_description="the user said no",
            state=request.state,
            iss=f"{dev_url}/oidc",
        )
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.parse_callback(denied, request.state)
        assert caught.value.code == "oauth_error"
        assert caught.value.oauth_error == "access_denied"
        assert caught.value.oauth_error_description == "the user said no"
        assert caught.value.http_status is None

        # None of that spent the code: the real callback still completes the login.
        tokens = client.exchange_callback(callback_url, request)
    assert_fresh_tokens(tokens)


def test_a_real_error_callback_from_the_provider(dev_url: str, config) -> None:
    # prompt=none without a provider session: the provider answers login_required through the
    # callback, with this login's state and its iss.
    with libgenauth.Client.from_config(config("app-post")) as client:
        request = client.build_authorize_url(scope="openid", prompt="none")
        callback = dev_login_url(dev_url, request.url)
        assert "code" not in callback or not callback.get("code")
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.parse_callback(callback["callback_url"], request.state)
    assert caught.value.oauth_error == "login_required"
    assert caught.value.http_status is None


# --- sessions -------------------------------------------------------------------------------


def test_thirty_two_threads_share_one_refresh(dev_url: str, config) -> None:
    # app-public rotates refresh tokens and revokes the whole grant when a rotated-away one is
    # presented again: two refreshes racing with the same token would kill the login.
    with libgenauth.Client.from_config(config("app-public")) as client:
        _, _, tokens = log_in(dev_url, client)
        session = client.session(stale(tokens))
        clear_requests(dev_url)

        barrier = threading.Barrier(32)

        def fresh(_: int) -> libgenauth.Tokens:
            barrier.wait()
            return session.fresh_tokens(60)

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(fresh, range(32)))

        assert len(results) == 32
        assert len({result.access_token for result in results}) == 1
        assert results[0].access_token != tokens.access_token
        assert_fresh_tokens(results[0])
        grants = token_requests(dev_url)
        assert [(r["grant_type"], r["status"]) for r in grants] == [("refresh_token", 200)]

        current = session.tokens
        assert current.access_token == results[0].access_token
        assert current.refresh_token and current.refresh_token != tokens.refresh_token  # rotated
        # Fresh now: no further request.
        assert session.fresh_tokens(60).access_token == current.access_token
        assert len(token_requests(dev_url)) == 1

        # The grant is alive: the session's refresh token works. That rotates it away from
        # under the session, which is therefore discarded.
        session.close()
        assert_fresh_tokens(client.refresh(current.refresh_token))


def test_a_rotated_refresh_token_survives_a_failed_refresh(dev_url: str, config) -> None:
    # app-public rotates its refresh token on every use and revokes the whole grant when a
    # rotated-away one comes back. The refresh below is accepted by the provider (it rotates the
    # token), then refused by the library: the id_token names the real user, not the one the
    # session's tokens claim to belong to (OIDC Core 12.2). The rotated token must not be lost.
    with libgenauth.Client.from_config(config("app-public")) as client:
        _, _, tokens = log_in(dev_url, client)
        document = stale(tokens)
        document["id_token_claims"] = dict(document["id_token_claims"], sub="someone-else")
        with client.session(document) as session:
            with pytest.raises(libgenauth.IdTokenError) as failure:
                session.fresh_tokens(60)
            assert failure.value.reason == "sub"
            rotated = failure.value.refresh_token
            assert rotated and rotated != tokens.refresh_token
            assert rotated not in repr(failure.value) and rotated not in str(failure.value)
            held = session.tokens
            assert held.refresh_token == rotated, "the session lost the rotated refresh token"
            assert held.access_token == tokens.access_token, "another user's tokens were kept"
        # The grant is alive: the rotated token works, and the old one is dead.
        assert_fresh_tokens(client.refresh(rotated))


def test_sessions_persist_and_resume(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        _, _, tokens = log_in(dev_url, client)
        with client.session(tokens) as session:
            assert session.fresh_tokens().access_token == tokens.access_token  # still fresh
            # Asking for more life than the token has forces a refresh.
            refreshed = session.fresh_tokens(min_valid_seconds=7 * 24 * 3600)
            assert refreshed.access_token != tokens.access_token
            saved = session.tokens.to_dict()
        # A new session from what was persisted, as JSON text this time.
        with client.session(json.dumps(saved)) as resumed:
            assert resumed.tokens.access_token == refreshed.access_token
            assert resumed.fresh_tokens().access_token == refreshed.access_token


def test_stale_session_without_refresh_token(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        _, _, tokens = log_in(dev_url, client, scope="openid profile")
        assert tokens.refresh_token is None
        clear_requests(dev_url)
        with client.session(stale(tokens)) as session:
            with pytest.raises(libgenauth.SessionError) as caught:
                session.fresh_tokens()
            assert caught.value.code == "no_refresh_token"
        # Tokens with enough life left are still handed out.
        with client.session(tokens) as session:
            assert session.fresh_tokens(60).access_token == tokens.access_token
    assert token_requests(dev_url) == []


def test_session_with_a_revoked_refresh_token(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        _, _, tokens = log_in(dev_url, client)
        client.revoke(tokens.refresh_token, token_type_hint="refresh_token")
        with client.session(stale(tokens)) as session:
            with pytest.raises(libgenauth.OAuthError) as first:
                session.fresh_tokens()
            assert first.value.oauth_error == "invalid_grant"
            seen = len(requests_log(dev_url))

            with pytest.raises(libgenauth.OAuthError) as second:
                session.fresh_tokens()
            assert second.value.oauth_error == "invalid_grant"
            assert second.value.code == first.value.code == "oauth_error"
            assert len(requests_log(dev_url)) == seen  # the provider was not asked again


# --- revocation, introspection, userinfo ----------------------------------------------------


def test_revoke_introspect_and_userinfo(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        _, _, tokens = log_in(dev_url, client)

        userinfo = client.userinfo(tokens.access_token)
        assert userinfo["sub"] == "user-1"
        assert userinfo["email"] == "alice@example.com"
        assert userinfo["name"] == "Alice Example"

        before = client.introspect(tokens.refresh_token)
        assert before["active"] is True
        assert before.get("client_id") == "app-post"
        assert client.introspect(tokens.access_token)["active"] is True

        clear_requests(dev_url)
        client.revoke(tokens.refresh_token, token_type_hint="refresh_token")
        assert client.introspect(tokens.refresh_token)["active"] is False
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.refresh(tokens.refresh_token)
        assert caught.value.oauth_error == "invalid_grant"

        # Unknown tokens: revocation succeeds (RFC 7009), introspection says inactive.
        client.revoke("unknown-" + secrets.token_urlsafe(16))
        assert client.introspect("unknown-" + secrets.token_urlsafe(16))["active"] is False

    calls = [(r["path"], r["client_id"], r["auth"], r["status"]) for r in requests_log(dev_url)]
    assert calls[:3] == [
        ("/oidc/token/revocation", "app-post", "post", 200),
        ("/oidc/token/introspection", "app-post", "post", 200),
        ("/oidc/token", "app-post", "post", 400),
    ]


def test_revoked_access_token(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        _, _, tokens = log_in(dev_url, client)
        client.revoke(tokens.access_token, token_type_hint="access_token")
        assert client.introspect(tokens.access_token)["active"] is False
        with pytest.raises((libgenauth.OAuthError, libgenauth.ProviderError)) as caught:
            client.userinfo(tokens.access_token)
        assert caught.value.http_status == 401
        assert tokens.access_token not in str(caught.value) + repr(caught.value)


def test_public_client_revokes_its_own_tokens(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-public")) as client:
        _, _, tokens = log_in(dev_url, client)
        assert client.introspect(tokens.refresh_token)["active"] is True
        client.revoke(tokens.refresh_token)
        assert client.introspect(tokens.refresh_token)["active"] is False
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.refresh(tokens.refresh_token)
        assert caught.value.oauth_error == "invalid_grant"
    last = requests_log(dev_url)[-1]
    assert (last["path"], last["auth"]) == ("/oidc/token", "none")


# --- no secrets in errors -------------------------------------------------------------------


def test_flow_errors_carry_no_secrets(dev_url: str, config) -> None:
    wrong_secret = "wrong-secret-" + secrets.token_hex(12)
    failures: List[Tuple[BaseException, List[str]]] = []

    def expect(exc_type: Any, call: Any, *values: str) -> None:
        with pytest.raises(exc_type) as caught:
            call()
        failures.append((caught.value, [value for value in values if value]))

    with libgenauth.Client.from_config(config("app-post")) as client:
        request, callback, tokens = log_in(dev_url, client)
        secret_values = [tokens.access_token, tokens.refresh_token, tokens.id_token,
                         "app-post-secret", callback["code"], request.code_verifier]

        # Callbacks: the code in the URL is never echoed.
        other = client.build_authorize_url(scope=SCOPE)
        fresh = dev_login_url(dev_url, other.url)
        expect(libgenauth.CallbackError,
               lambda: client.parse_callback(fresh["callback_url"], request.state),
               fresh["code"], other.code_verifier, *secret_values)
        expect(libgenauth.CallbackError,
               lambda: client.parse_callback(
                   with_query(fresh["callback_url"], iss="https://attacker.example/oidc"),
                   other.state),
               fresh["code"], *secret_values)
        # Exchange with another login's verifier: invalid_grant, verifier and code not shown.
        mixed = libgenauth.AuthorizeRequest(other.url, other.state, other.nonce,
                                            request.code_verifier)
        expect(libgenauth.OAuthError,
               lambda: client.exchange_callback(fresh["callback_url"], mixed),
               fresh["code"], request.code_verifier, other.code_verifier, *secret_values)

        # A made-up access token at userinfo.
        made_up = "at-" + secrets.token_urlsafe(24)
        expect((libgenauth.OAuthError, libgenauth.ProviderError),
               lambda: client.userinfo(made_up), made_up, *secret_values)

        # Revocation and introspection with the wrong client secret.
        with libgenauth.Client.from_config(config("app-post", appSecret=wrong_secret)) as bad:
            expect(libgenauth.OAuthError,
                   lambda: bad.revoke(tokens.refresh_token, token_type_hint="refresh_token"),
                   wrong_secret, *secret_values)
            expect(libgenauth.OAuthError, lambda: bad.introspect(tokens.access_token),
                   wrong_secret, *secret_values)
            with bad.session(stale(tokens)) as bad_session:
                expect(libgenauth.OAuthError, bad_session.fresh_tokens,
                       wrong_secret, *secret_values)

        # A session whose refresh token was revoked, twice (the second from the session's memory).
        client.revoke(tokens.refresh_token, token_type_hint="refresh_token")
        with client.session(stale(tokens)) as session:
            expect(libgenauth.OAuthError, session.fresh_tokens, *secret_values)
            expect(libgenauth.OAuthError, session.fresh_tokens, *secret_values)
            assert "***" in repr(session.tokens) and tokens.access_token not in repr(session.tokens)
            assert tokens.refresh_token not in repr(session)

        # Without a refresh token.
        no_refresh = stale(tokens)
        del no_refresh["refresh_token"]
        with client.session(no_refresh) as session:
            expect(libgenauth.SessionError, session.fresh_tokens, *secret_values)

    assert len(failures) == 10
    for error, values in failures:
        assert isinstance(error, libgenauth.GenAuthError)
        texts = [str(error), repr(error), *map(str, error.args), repr(error.details)]
        texts += [str(getattr(error, name)) for name in (
            "code", "message", "http_status", "oauth_error", "oauth_error_description", "reason")]
        for value in values:
            assert all(value not in text for text in texts), (error.code, error.message)
