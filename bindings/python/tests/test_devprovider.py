"""Blocking calls against the development provider (scripts/with-devprovider)."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

import libgenauth

from conftest import REDIRECT_URI, assert_fresh_tokens, dev_login, pkce_pair, requests_log


def test_readme_example(dev_url: str, login) -> None:
    app_host, code = dev_url, login("app-post")["code"]
    # readme-example:start
    import libgenauth
    with libgenauth.Client(app_id="app-post", app_secret="app-post-secret", app_host=app_host,
                           redirect_uri="http://127.0.0.1:8976/callback") as client:
        tokens = client.exchange_code(code)            # the code from the login callback
        tokens = client.refresh(tokens.refresh_token)  # later: fresh tokens, same client
    print(tokens.token_type, tokens.expires_at, tokens.scope)
    # readme-example:end
    assert_fresh_tokens(tokens)


def test_exchange_and_refresh_with_client_secret_post(dev_url: str, login, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        tokens = client.exchange_code(login("app-post")["code"])
        assert_fresh_tokens(tokens)
        assert tokens.id_token and tokens.id_token.count(".") == 2
        assert tokens.scope and "offline_access" in tokens.scope.split()
        refreshed = client.refresh(tokens.refresh_token)
        assert_fresh_tokens(refreshed)
        assert refreshed.access_token != tokens.access_token
    token_calls = [r for r in requests_log(dev_url) if r["path"] == "/oidc/token"][-2:]
    assert [r["grant_type"] for r in token_calls] == ["authorization_code", "refresh_token"]
    assert all(r["auth"] == "post" and r["status"] == 200 for r in token_calls)


def test_exchange_and_refresh_with_client_secret_basic(dev_url: str, login) -> None:
    with libgenauth.Client(
        app_id="app-basic",
        app_secret="app-basic-secret",
        app_host=dev_url,
        redirect_uri=REDIRECT_URI,
        token_endpoint_auth_method="client_secret_basic",
    ) as client:
        tokens = client.exchange_code(login("app-basic")["code"])
        assert_fresh_tokens(tokens)
        assert_fresh_tokens(client.refresh(tokens.refresh_token))
    token_calls = [r for r in requests_log(dev_url) if r["client_id"] == "app-basic"][-2:]
    # The provider accepts either method: the wire shows which one was used.
    assert [r["auth"] for r in token_calls] == ["basic", "basic"]
    assert all("client_secret" not in r["body_keys"] for r in token_calls)


def test_pkce_public_client_with_rotating_refresh_tokens(dev_url: str, login) -> None:
    verifier, challenge = pkce_pair()
    code = login("app-public", code_challenge=challenge, code_challenge_method="S256")["code"]
    with libgenauth.Client(
        app_id="app-public",
        app_host=dev_url,
        redirect_uri=REDIRECT_URI,
        token_endpoint_auth_method="none",
    ) as client:
        tokens = client.exchange_code(code, code_verifier=verifier)
        assert_fresh_tokens(tokens)
        first = client.refresh(tokens.refresh_token)
        assert_fresh_tokens(first)
        assert first.refresh_token != tokens.refresh_token  # rotated
        second = client.refresh(first.refresh_token)
        assert_fresh_tokens(second)
    token_calls = [r for r in requests_log(dev_url) if r["client_id"] == "app-public"][-3:]
    assert [r["auth"] for r in token_calls] == ["none", "none", "none"]


def test_pkce_with_the_wrong_verifier_is_invalid_grant(dev_url: str, login) -> None:
    _, challenge = pkce_pair()
    code = login("app-public", code_challenge=challenge)["code"]
    other_verifier, _ = pkce_pair()
    with libgenauth.Client(app_id="app-public", app_host=dev_url, redirect_uri=REDIRECT_URI,
                           token_endpoint_auth_method="none") as client:
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.exchange_code(code, code_verifier=other_verifier)
    assert caught.value.oauth_error == "invalid_grant"
    assert other_verifier not in str(caught.value) + repr(caught.value)


def test_nonce_is_passed_with_the_exchange(dev_url: str, login, config) -> None:
    nonce = secrets.token_urlsafe(16)
    code = login("app-post", nonce=nonce)["code"]
    with libgenauth.Client.from_config(config("app-post")) as client:
        tokens = client.exchange_code(code, nonce=nonce)
    assert_fresh_tokens(tokens)
    if tokens.id_token_claims is not None:
        assert tokens.id_token_claims["nonce"] == nonce
        assert tokens.id_token_claims["sub"] == "user-1"
        assert tokens.id_token_claims["aud"] in ("app-post", ["app-post"])


def test_wrong_nonce_is_id_token_invalid(dev_url: str, login, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        probe = client.exchange_code(login("app-post")["code"])
        if probe.id_token_claims is None:
            pytest.skip("this build of the library does not verify id_tokens yet")
        code = login("app-post", nonce="the-login-nonce")["code"]
        with pytest.raises(libgenauth.IdTokenError) as caught:
            client.exchange_code(code, nonce="another-nonce")
    assert caught.value.code == "id_token_invalid"
    assert caught.value.reason == "nonce"


def test_spent_code_is_invalid_grant(dev_url: str, login, config) -> None:
    code = login("app-post")["code"]
    with libgenauth.Client.from_config(config("app-post")) as client:
        client.exchange_code(code)
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.exchange_code(code)
    error = caught.value
    assert error.code == "oauth_error"
    assert error.oauth_error == "invalid_grant"
    assert error.http_status == 400
    assert isinstance(error, libgenauth.GenAuthError)


def test_wrong_secret_is_invalid_client(dev_url: str, login, config) -> None:
    code = login("app-post")["code"]
    with pytest.raises(libgenauth.OAuthError) as caught:
        libgenauth.exchange_code(config("app-post", appSecret="not-the-secret"), code)
    assert caught.value.oauth_error == "invalid_client"
    assert caught.value.http_status == 401
    # A failed exchange does not spend the code.
    assert_fresh_tokens(libgenauth.exchange_code(config("app-post"), code))


def test_one_shot_functions(dev_url: str, login, config) -> None:
    tokens = libgenauth.exchange_code(config("app-post"), login("app-post")["code"])
    assert_fresh_tokens(tokens)
    assert_fresh_tokens(libgenauth.refresh(config("app-post"), tokens.refresh_token))

    verifier, challenge = pkce_pair()
    code = login("app-public", code_challenge=challenge)["code"]
    public = libgenauth.exchange_code(config("app-public"), code, verifier)
    assert_fresh_tokens(public)
    rotated = libgenauth.refresh(config("app-public"), public.refresh_token)
    assert rotated.refresh_token != public.refresh_token


def test_tokens_round_trip_through_to_dict(login, config) -> None:
    tokens = libgenauth.exchange_code(config("app-post"), login("app-post")["code"])
    document = tokens.to_dict()
    assert document["access_token"] == tokens.access_token
    assert document["expires_at"] == tokens.expires_at
    assert libgenauth.Tokens.from_dict(document) == tokens
    assert tokens.access_token not in repr(tokens)
    assert tokens.refresh_token not in repr(tokens)


def test_sixteen_threads_share_one_client(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:

        def exchange_and_refresh(_: int) -> str:
            code = dev_login(dev_url, "app-post")["code"]
            tokens = client.exchange_code(code)
            refreshed = client.refresh(tokens.refresh_token)
            assert_fresh_tokens(refreshed)
            return refreshed.access_token

        with ThreadPoolExecutor(max_workers=16) as pool:
            access_tokens = list(pool.map(exchange_and_refresh, range(16)))
    assert len(set(access_tokens)) == 16


def test_errors_carry_no_secrets(dev_url: str, login, config) -> None:
    secret = "wrong-secret-" + secrets.token_hex(12)
    bad_secret = config("app-post", appSecret=secret)
    good = config("app-post")
    failures = []

    code = login("app-post")["code"]
    with pytest.raises(libgenauth.OAuthError) as caught:  # wrong client secret
        libgenauth.exchange_code(bad_secret, code)
    failures.append((caught.value, [secret, code]))

    with libgenauth.Client.from_config(good) as client:
        tokens = client.exchange_code(code)
        with pytest.raises(libgenauth.OAuthError) as caught:  # spent code (revokes the grant)
            client.exchange_code(code)
        failures.append((caught.value, [code, "app-post-secret"]))
        with pytest.raises(libgenauth.OAuthError) as caught:  # refresh token of a revoked grant
            client.refresh(tokens.refresh_token)
        failures.append((caught.value, [tokens.refresh_token, "app-post-secret"]))
        made_up = "rt-" + secrets.token_urlsafe(24)
        with pytest.raises(libgenauth.OAuthError) as caught:  # unknown refresh token
            client.refresh(made_up)
        failures.append((caught.value, [made_up, "app-post-secret"]))

    with libgenauth.Client.from_config(bad_secret) as client:  # wrong secret on refresh
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.refresh(tokens.refresh_token)
        failures.append((caught.value, [secret, tokens.refresh_token]))

    verifier, _ = pkce_pair()
    _, challenge = pkce_pair()
    code = login("app-public", code_challenge=challenge)["code"]
    with pytest.raises(libgenauth.OAuthError) as caught:  # not the login's verifier
        libgenauth.exchange_code(config("app-public"), code, verifier)
    failures.append((caught.value, [verifier, code]))

    for error, values in failures:
        texts = [str(error), repr(error), *map(str, error.args), repr(error.details)]
        texts += [str(getattr(error, name)) for name in (
            "code", "message", "http_status", "oauth_error", "oauth_error_description", "reason")]
        for value in values:
            assert value and all(value not in text for text in texts), (error.code, error.message)
