"""AsyncClient and AsyncSession against the development provider (scripts/with-devprovider): the
whole login flow, sessions shared by many tasks, cancellation."""

from __future__ import annotations

import asyncio
import ctypes
import time
from typing import Any, Dict, List, Tuple

import pytest

import libgenauth
from libgenauth import _bridge, _native

from conftest import assert_fresh_tokens, clear_requests, dev_login_url, requests_log

SCOPE = "openid profile email offline_access"


async def log_in(
    dev_url: str, client: libgenauth.AsyncClient, scope: str = SCOPE
) -> Tuple[libgenauth.AuthorizeRequest, Dict[str, Any], libgenauth.Tokens]:
    """A whole login started from the library's URL: (request, callback, tokens)."""
    request = await client.build_authorize_url(scope=scope)
    callback = await asyncio.to_thread(dev_login_url, dev_url, request.url)
    tokens = await client.exchange_callback(callback["callback_url"], request)
    return request, callback, tokens


def stale(tokens: libgenauth.Tokens) -> Dict[str, Any]:
    """The tokens document with `expires_at` set to now: a session must refresh it."""
    document = tokens.to_dict()
    document["expires_at"] = int(time.time())
    return document


def wire(dev_url: str) -> List[Tuple[str, Any, int]]:
    return [(r["path"], r["grant_type"], r["status"]) for r in requests_log(dev_url)]


async def drained(limit_s: float = 10.0) -> bool:
    deadline = time.monotonic() + limit_s
    while _bridge.pending_calls() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return _bridge.pending_calls() == 0


@pytest.mark.parametrize("client_id", ["app-post", "app-public"])
def test_async_login_flow_end_to_end(dev_url: str, config, client_id: str) -> None:
    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(config(client_id)) as client:
            # 1. The login URL, from the client's discovery.
            request = await client.build_authorize_url(scope=SCOPE)
            assert request.url.startswith(f"{dev_url}/oidc/auth?")
            # 2. The user logs in (headless) and the browser comes back to the redirect URI.
            callback = await asyncio.to_thread(dev_login_url, dev_url, request.url)
            assert callback["state"] == request.state
            # 3. The callback is checked: state, iss, then its code.
            code = await client.parse_callback(callback["callback_url"], request.state)
            assert code == callback["code"]
            # 4. The exchange, with the login's PKCE verifier and nonce.
            clear_requests(dev_url)
            tokens = await client.exchange_code(
                code, code_verifier=request.code_verifier, nonce=request.nonce
            )
            assert_fresh_tokens(tokens)
            assert tokens.id_token_claims is not None
            assert tokens.id_token_claims["nonce"] == request.nonce
            assert tokens.id_token_claims["sub"] == "user-1"

            # 5. An async session hands the tokens out while they are fresh.
            async with client.session(tokens) as session:
                fresh = await session.fresh_tokens()
                assert fresh.access_token == tokens.access_token

                # 6. userinfo with the session's access token.
                userinfo = await client.userinfo(fresh.access_token)
                assert userinfo["sub"] == "user-1"
                assert userinfo["email"] == "alice@example.com"

                # 7. Sign-out: revoke the grant; introspection then says inactive.
                refresh_token = session.tokens.refresh_token
                assert refresh_token
                assert (await client.introspect(refresh_token))["active"] is True
                await client.revoke(refresh_token, token_type_hint="refresh_token")
                assert (await client.introspect(refresh_token))["active"] is False

                # The session cannot refresh any more: the user must sign in again.
                with pytest.raises(libgenauth.OAuthError) as caught:
                    await session.fresh_tokens(7 * 24 * 3600)
                assert caught.value.oauth_error == "invalid_grant"
            assert session.closed
        assert client.closed

    asyncio.run(main())
    assert _bridge.pending_calls() == 0
    assert wire(dev_url) == [
        ("/oidc/token", "authorization_code", 200),
        ("/oidc/token/introspection", None, 200),
        ("/oidc/token/revocation", None, 200),
        ("/oidc/token/introspection", None, 200),
        ("/oidc/token", "refresh_token", 400),
    ]


def test_thirty_two_awaits_share_one_refresh(dev_url: str, config) -> None:
    # app-public rotates refresh tokens and revokes the whole grant when a rotated-away one is
    # presented again: two refreshes racing with the same token would kill the login.
    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(config("app-public")) as client:
            _, _, tokens = await log_in(dev_url, client)
            async with client.session(stale(tokens)) as session:
                clear_requests(dev_url)
                results = await asyncio.gather(*(session.fresh_tokens(60) for _ in range(32)))

                assert len(results) == 32
                assert len({result.access_token for result in results}) == 1
                assert results[0].access_token != tokens.access_token
                assert_fresh_tokens(results[0])
                assert wire(dev_url) == [("/oidc/token", "refresh_token", 200)]

                current = session.tokens
                assert current.access_token == results[0].access_token
                assert current.refresh_token and current.refresh_token != tokens.refresh_token
                # Fresh now: no further request.
                assert (await session.fresh_tokens(60)).access_token == current.access_token
                assert len(wire(dev_url)) == 1
            # The grant is alive: the session's (rotated) refresh token works.
            assert_fresh_tokens(await client.refresh(current.refresh_token))

    asyncio.run(main())
    assert _bridge.pending_calls() == 0


def test_a_cancelled_fresh_tokens_still_stores_the_rotated_token(dev_url: str, config) -> None:
    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(config("app-public")) as client:
            _, _, tokens = await log_in(dev_url, client)
            async with client.session(stale(tokens)) as session:
                clear_requests(dev_url)
                task = asyncio.ensure_future(session.fresh_tokens(60))
                await asyncio.sleep(0)  # the refresh is under way
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert await drained()
                held = session.tokens
                assert held.refresh_token and held.refresh_token != tokens.refresh_token
                assert held.access_token != tokens.access_token
                # Fresh: nothing more is asked, and the refresh happened once.
                assert (await session.fresh_tokens(60)).access_token == held.access_token
                assert wire(dev_url) == [("/oidc/token", "refresh_token", 200)]
            # The rotated token is the live one.
            assert_fresh_tokens(await client.refresh(held.refresh_token))

    asyncio.run(main())


def test_a_cancelled_call_releases_its_document(
    dev_url: str, config, monkeypatch: pytest.MonkeyPatch
) -> None:
    _native.library()
    real_free = _native._string_free
    freed: List[str] = []

    def counting_free(pointer: Any) -> None:
        if pointer:
            freed.append(ctypes.string_at(pointer).decode("utf-8", "replace"))
        real_free(pointer)

    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(config("app-post")) as client:
            _, _, tokens = await log_in(dev_url, client)
            monkeypatch.setattr(_native, "_string_free", counting_free)
            tasks = [
                asyncio.ensure_future(client.userinfo(tokens.access_token)),
                asyncio.ensure_future(client.introspect(tokens.access_token)),
            ]
            await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with pytest.raises(asyncio.CancelledError):
                    await task
            assert await drained()
            # Both results arrived after the cancellation and were released, once each.
            assert sum('"userinfo"' in text for text in freed) == 1
            assert sum('"introspection"' in text for text in freed) == 1
            # The client goes on working.
            assert (await client.userinfo(tokens.access_token))["sub"] == "user-1"

    asyncio.run(main())
    assert _bridge.pending_calls() == 0


def test_async_errors_from_the_provider(dev_url: str, config) -> None:
    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(config("app-post")) as client:
            request, callback, tokens = await log_in(dev_url, client)
            with pytest.raises(libgenauth.OAuthError) as spent:
                await client.exchange_callback(callback["callback_url"], request)
            assert (spent.value.oauth_error, spent.value.http_status) == ("invalid_grant", 400)
            with pytest.raises(libgenauth.CallbackError) as other_state:
                await client.parse_callback(callback["callback_url"], "another-login's-state")
            assert other_state.value.code == "state_mismatch"

            await client.revoke(tokens.access_token, token_type_hint="access_token")
            with pytest.raises((libgenauth.OAuthError, libgenauth.ProviderError)) as revoked:
                await client.userinfo(tokens.access_token)
            assert revoked.value.http_status == 401
            assert tokens.access_token not in str(revoked.value) + repr(revoked.value)

    asyncio.run(main())
