"""asyncio calls over the library's callback API, against the development provider."""

from __future__ import annotations

import asyncio

import pytest

import libgenauth
from libgenauth import _bridge

from conftest import assert_fresh_tokens, dev_login, pkce_pair


def no_calls_pending() -> bool:
    return _bridge.pending_calls() == 0


def test_async_exchange_and_refresh(dev_url: str, login, config) -> None:
    code = login("app-post")["code"]

    async def main() -> None:
        with libgenauth.Client.from_config(config("app-post")) as client:
            tokens = await client.exchange_code_async(code)
            assert_fresh_tokens(tokens)
            refreshed = await client.refresh_async(tokens.refresh_token)
            assert_fresh_tokens(refreshed)
            with pytest.raises(libgenauth.OAuthError) as caught:
                await client.exchange_code_async(code)  # spent
            assert caught.value.oauth_error == "invalid_grant"
            assert caught.value.http_status == 400

    asyncio.run(main())
    assert no_calls_pending()


def test_twenty_concurrent_async_refreshes(dev_url: str, login, config) -> None:
    code = login("app-post")["code"]

    async def main() -> None:
        with libgenauth.Client.from_config(config("app-post")) as client:
            tokens = await client.exchange_code_async(code)
            results = await asyncio.gather(
                *(client.refresh_async(tokens.refresh_token) for _ in range(20))
            )
        assert len(results) == 20
        for refreshed in results:
            assert_fresh_tokens(refreshed)
        assert len({r.access_token for r in results}) == 20

    asyncio.run(main())
    assert no_calls_pending()


def test_async_pkce_with_nonce(dev_url: str, config) -> None:
    verifier, challenge = pkce_pair()
    code = dev_login(dev_url, "app-public", code_challenge=challenge, nonce="n-123")["code"]

    async def main() -> None:
        client = libgenauth.Client.from_config(config("app-public"))
        tokens = await client.exchange_code_async(code, code_verifier=verifier, nonce="n-123")
        assert_fresh_tokens(tokens)
        if tokens.id_token_claims is not None:
            assert tokens.id_token_claims["nonce"] == "n-123"
        # Closing while a call is in flight: the call completes.
        pending = asyncio.ensure_future(client.refresh_async(tokens.refresh_token))
        await asyncio.sleep(0)
        client.close()
        rotated = await pending
        assert rotated.refresh_token != tokens.refresh_token

    asyncio.run(main())
    assert no_calls_pending()


def test_async_logins_and_exchanges_in_parallel(dev_url: str, config) -> None:
    async def one(client: libgenauth.Client) -> libgenauth.Tokens:
        code = (await asyncio.to_thread(dev_login, dev_url, "app-post"))["code"]
        tokens = await client.exchange_code_async(code)
        return await client.refresh_async(tokens.refresh_token)

    async def main() -> None:
        with libgenauth.Client.from_config(config("app-post")) as client:
            results = await asyncio.gather(*(one(client) for _ in range(8)))
        for tokens in results:
            assert_fresh_tokens(tokens)

    asyncio.run(main())
    assert no_calls_pending()


def test_cancelled_call_does_not_disturb_the_loop(dev_url: str, login, config) -> None:
    code = login("app-post")["code"]

    async def main() -> None:
        with libgenauth.Client.from_config(config("app-post")) as client:
            tokens = await client.exchange_code_async(code)
            cancelled = asyncio.ensure_future(client.refresh_async(tokens.refresh_token))
            await asyncio.sleep(0)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            assert_fresh_tokens(await client.refresh_async(tokens.refresh_token))
            # The cancelled call's callback still arrives (and frees its result).
            for _ in range(200):
                if no_calls_pending():
                    break
                await asyncio.sleep(0.01)
            assert no_calls_pending()

    asyncio.run(main())
