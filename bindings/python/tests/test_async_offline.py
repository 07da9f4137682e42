"""AsyncClient and AsyncSession without a provider: every call through the library's callbacks,
argument errors, shared refreshes, cancellation, closed event loops, `async with`."""

from __future__ import annotations

import asyncio
import ctypes
import socket
import threading
import time
from typing import Any, Dict, List

import pytest

import libgenauth
from libgenauth import _bridge, _native
from libgenauth._results import tokens_or_raise

from conftest import REDIRECT_URI, closed_port

FAR_FUTURE = int(time.time()) + 3600


def local_config(**extra: object) -> Dict[str, Any]:
    config: Dict[str, Any] = {
        "appId": "app-post",
        "appSecret": "app-post-secret",
        "appHost": f"http://127.0.0.1:{closed_port()}",
        "redirectUri": REDIRECT_URI,
    }
    config.update(extra)
    return config


class SilentServer:
    """A loopback server that accepts connections (in a thread) and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = int(self.socket.getsockname()[1])
        self.accepted: List[socket.socket] = []
        threading.Thread(target=self._accept_all, daemon=True).start()

    def _accept_all(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def __enter__(self) -> "SilentServer":
        return self

    def __exit__(self, *_: object) -> None:
        self.socket.close()
        for connection in self.accepted:
            connection.close()


async def drained(limit_s: float = 5.0) -> bool:
    """Whether every accepted async call has delivered its callback, waiting up to limit_s."""
    deadline = time.monotonic() + limit_s
    while _bridge.pending_calls() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return _bridge.pending_calls() == 0


@pytest.fixture
def freed(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The text of every document released with genauth_string_free during the test."""
    _native.library()
    real_free = _native._string_free
    texts: List[str] = []

    def counting_free(pointer: Any) -> None:
        if pointer:
            texts.append(ctypes.string_at(pointer).decode("utf-8", "replace"))
        real_free(pointer)

    monkeypatch.setattr(_native, "_string_free", counting_free)
    return texts


# --- every call -----------------------------------------------------------------------------


def test_every_async_call_goes_through_the_library() -> None:
    config = local_config()

    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(config) as client:
            # No discovery reachable: the documented {appHost}/oidc/auth, no network error.
            request = await client.build_authorize_url(scope="openid email")
            assert isinstance(request, libgenauth.AuthorizeRequest)
            assert request.url.startswith(f"{config['appHost']}/oidc/auth?")
            assert "scope=openid+email" in request.url or "scope=openid%20email" in request.url
            callback_url = f"{REDIRECT_URI}?code=the-code&state={request.state}"
            assert await client.parse_callback(callback_url, request.state) == "the-code"

            calls = [
                client.exchange_code("a-code"),
                client.exchange_code("a-code", code_verifier="v" * 43, nonce="n"),
                client.exchange_callback(callback_url, request),
                client.refresh("a-refresh-token"),
                client.revoke("a-token"),
                client.revoke("a-token", token_type_hint="refresh_token"),
                client.introspect("a-token"),
                client.userinfo("an-access-token"),
                client.client_credentials(scope="api"),
                client.device_start(scope="openid"),
            ]
            for call in calls:
                with pytest.raises(libgenauth.NetworkError) as caught:
                    await call
                assert caught.value.code == "connect_failed"
            # No discovery reachable: the documented {appHost}/oidc/session/end.
            logout = await client.logout_url(id_token_hint="a.b.c", state="s-1")
            assert logout == (
                f"{config['appHost']}/oidc/session/end?client_id=app-post"
                "&id_token_hint=a.b.c&state=s-1"
            )
            # A device code this client did not start waits the default 5 s: past a wait of 0
            # s, so the poll ends at once, without a request.
            begun = time.monotonic()
            with pytest.raises(libgenauth.PendingError) as pending:
                await client.device_poll("an-unknown-device-code", max_wait_seconds=0)
            assert pending.value.code == "authorization_pending"
            assert time.monotonic() - begun < 3

    asyncio.run(main())
    assert _bridge.pending_calls() == 0


def test_async_argument_and_callback_errors() -> None:
    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(local_config()) as client:
            request = await client.build_authorize_url()
            with pytest.raises(libgenauth.CallbackError) as caught:
                await client.parse_callback(f"{REDIRECT_URI}?code=c&state=other", request.state)
            assert caught.value.code == "state_mismatch"
            with pytest.raises(libgenauth.OAuthError) as oauth:
                await client.parse_callback(
                    f"{REDIRECT_URI}?error=access_denied&state={request.state}", request.state
                )
            assert (oauth.value.oauth_error, oauth.value.http_status) == ("access_denied", None)
            with pytest.raises(libgenauth.CallbackError):  # checked before any exchange
                await client.exchange_callback(f"{REDIRECT_URI}?code=c&state=x", request)
            with pytest.raises(libgenauth.ConfigError) as caught:
                await client.parse_callback(f"{REDIRECT_URI}?code=c&state=", "")
            assert caught.value.code == "invalid_argument"
            with pytest.raises(libgenauth.ConfigError) as caught:
                await client.build_authorize_url(scope="openid offline_access", prompt="none")
            assert caught.value.code == "invalid_argument"
            with pytest.raises(libgenauth.ConfigError) as caught:
                await client.build_authorize_url(extra_params={"state": "mine"})
            assert caught.value.code == "invalid_argument"
            with pytest.raises(libgenauth.ConfigError) as caught:  # the library's own check
                await client.refresh("")
            assert caught.value.code == "invalid_argument"
            with pytest.raises(libgenauth.ConfigError) as caught:
                await client.revoke("a-token", token_type_hint="id_token")
            assert caught.value.code == "invalid_argument"
            with pytest.raises(libgenauth.ConfigError):
                await client.userinfo("a\x00b")
            with pytest.raises(TypeError):
                await client.introspect(None)  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                await client.exchange_callback(REDIRECT_URI, {"state": "s"})  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                await client.build_authorize_url(extra_params=["state"])  # type: ignore[arg-type]
            # The grants: the library's checks arrive through the callback, the binding's own
            # (types, NUL bytes) are raised before any call.
            with pytest.raises(libgenauth.ConfigError) as caught:
                await client.device_poll("", max_wait_seconds=1)
            assert caught.value.code == "invalid_argument"
            with pytest.raises(libgenauth.ConfigError):
                await client.device_poll("a\x00b")
            with pytest.raises(TypeError):
                await client.device_poll(None)  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                await client.device_start(scope=5)  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                await client.logout_url(state=5)  # type: ignore[arg-type]

    asyncio.run(main())
    assert _bridge.pending_calls() == 0


def test_a_refused_call_is_an_internal_error_and_leaves_nothing_pending() -> None:
    # -1 (no callback) or -2 (no thread): nothing will be called back.
    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(local_config()) as client:
            for status in (-1, -2):
                with pytest.raises(libgenauth.InternalError) as caught:
                    await _bridge.submit(client, lambda _p, _c: status, tokens_or_raise, 1.0)
                assert str(status) in str(caught.value)
                assert _bridge.pending_calls() == 0

    asyncio.run(main())


# --- sessions -------------------------------------------------------------------------------


def test_async_session_without_a_provider() -> None:
    seeded = {"access_token": "at-1", "refresh_token": "rt-1", "expires_at": FAR_FUTURE}

    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(local_config()) as client:
            async with client.session(seeded) as session:
                assert isinstance(session, libgenauth.AsyncSession)
                fresh = await session.fresh_tokens()
                assert (fresh.access_token, fresh.refresh_token) == ("at-1", "rt-1")
                assert session.tokens.access_token == "at-1"
                with pytest.raises(libgenauth.NetworkError) as caught:  # a refresh was tried
                    await session.fresh_tokens(7200)
                assert caught.value.code == "connect_failed"
                with pytest.raises(ValueError):
                    await session.fresh_tokens(-1)
                with pytest.raises(TypeError):
                    await session.fresh_tokens(True)
            assert session.closed
            stale = {"access_token": "at", "expires_at": int(time.time())}
            async with client.session(stale) as session:
                with pytest.raises(libgenauth.SessionError) as no_refresh:
                    await session.fresh_tokens()
                assert no_refresh.value.code == "no_refresh_token"
            # A blocking client's session can be awaited too.
            with libgenauth.Client.from_config(local_config()) as blocking:
                async with libgenauth.AsyncSession(blocking, seeded) as session:
                    assert (await session.fresh_tokens()).access_token == "at-1"

    asyncio.run(main())
    assert _bridge.pending_calls() == 0


def test_concurrent_awaits_share_one_refresh_and_its_error() -> None:
    with SilentServer() as server:
        config = local_config(
            appHost=f"http://127.0.0.1:{server.port}", timeoutMs=600,
            validateIdToken=False,
        )
        stale = {"access_token": "at", "refresh_token": "rt", "expires_at": int(time.time())}

        async def main() -> List[BaseException]:
            async with libgenauth.AsyncClient.from_config(config) as client:
                async with client.session(stale) as session:
                    return await asyncio.gather(
                        *(session.fresh_tokens() for _ in range(32)), return_exceptions=True
                    )

        started = time.monotonic()
        outcomes = asyncio.run(main())
        elapsed = time.monotonic() - started
        assert [getattr(o, "code", o) for o in outcomes] == ["timeout"] * 32
        assert len(server.accepted) == 1
        assert elapsed < 3.0, elapsed  # together, not one after another
    assert _bridge.pending_calls() == 0


# --- cancellation and event loops -----------------------------------------------------------


def test_a_cancelled_await_releases_the_document_when_the_call_ends(freed: List[str]) -> None:
    with SilentServer() as server:
        config = local_config(appHost=f"http://127.0.0.1:{server.port}",
                              timeoutMs=300)

        async def main() -> None:
            async with libgenauth.AsyncClient.from_config(config) as client:
                task = asyncio.ensure_future(client.userinfo("an-access-token"))
                await asyncio.sleep(0.05)  # the request is waiting for the silent server
                assert _bridge.pending_calls() == 1
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                # The callback still lands (at the timeout) and releases its document.
                assert _bridge.pending_calls() == 1
                before = len(freed)
                assert await drained()
                assert any('"code":"timeout"' in text for text in freed[before:]), freed
                # The loop and the client still work.
                with pytest.raises(libgenauth.NetworkError):
                    await client.introspect("a-token")

        asyncio.run(main())
    assert _bridge.pending_calls() == 0


def test_wait_for_timeout_cancels_the_await_not_the_client() -> None:
    with SilentServer() as server:
        config = local_config(appHost=f"http://127.0.0.1:{server.port}",
                              timeoutMs=400)

        async def main() -> None:
            async with libgenauth.AsyncClient.from_config(config) as client:
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(client.refresh("a-refresh-token"), 0.05)
                assert await drained()

        asyncio.run(main())


def test_a_loop_closed_before_the_callback_is_harmless(freed: List[str]) -> None:
    with SilentServer() as server:
        config = local_config(appHost=f"http://127.0.0.1:{server.port}",
                              timeoutMs=200)
        client = libgenauth.AsyncClient.from_config(config)

        async def main() -> None:
            for _ in range(4):
                asyncio.ensure_future(client.revoke("a-token"))
            await asyncio.sleep(0.02)  # started, then the loop ends and is closed

        asyncio.run(main())
        client.close()
        deadline = time.monotonic() + 5
        while _bridge.pending_calls() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _bridge.pending_calls() == 0
        assert sum('"code":"timeout"' in text for text in freed) == 4


def test_one_client_shared_by_event_loops_in_several_threads() -> None:
    client = libgenauth.AsyncClient.from_config(local_config())
    codes: List[str] = []

    def worker() -> None:
        async def main() -> None:
            for _ in range(5):
                try:
                    await client.refresh("a-refresh-token")
                except libgenauth.NetworkError as e:
                    codes.append(e.code)

        asyncio.run(main())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert codes == ["connect_failed"] * 20
    assert _bridge.pending_calls() == 0


# --- async with -----------------------------------------------------------------------------


def test_async_with_closes_clients_and_sessions() -> None:
    async def main() -> None:
        async with libgenauth.AsyncClient.from_config(local_config()) as client:
            assert isinstance(client, libgenauth.AsyncClient) and not client.closed
            async with client.session({"access_token": "at"}) as session:
                assert not session.closed
        assert client.closed and session.closed
        assert "closed" in repr(client) and "AsyncClient" in repr(client)
        with pytest.raises(ValueError):
            await client.refresh("a-refresh-token")
        with pytest.raises(ValueError):
            await session.fresh_tokens()
        with pytest.raises(ValueError):
            client.session({"access_token": "at"})

        # The blocking Client and Session support `async with` too (they used to raise
        # TypeError), and so does `with` on the async ones.
        async with libgenauth.Client.from_config(local_config()) as blocking:
            async with blocking.session({"access_token": "at"}) as blocking_session:
                assert blocking_session.fresh_tokens().access_token == "at"
        assert blocking.closed and blocking_session.closed
        with libgenauth.AsyncClient(app_id="app-post", app_secret="s3cret-value",
                                    app_host="https://example.com") as plain:
            assert not plain.closed
        assert plain.closed

        # An exception inside the block still closes, and propagates.
        with pytest.raises(RuntimeError):
            async with libgenauth.AsyncClient.from_config(local_config()) as failing:
                raise RuntimeError("boom")
        assert failing.closed

    asyncio.run(main())


def test_close_while_awaits_are_in_flight() -> None:
    with SilentServer() as server:
        config = local_config(appHost=f"http://127.0.0.1:{server.port}",
                              timeoutMs=300)

        async def main() -> None:
            client = libgenauth.AsyncClient.from_config(config)
            session = client.session(
                {"access_token": "at", "refresh_token": "rt", "expires_at": int(time.time())}
            )
            calls = [client.userinfo("at") for _ in range(4)] + [session.fresh_tokens()]
            tasks = [asyncio.ensure_future(call) for call in calls]
            await asyncio.sleep(0.02)
            client.close()
            session.close()  # freed once the library took the call: it completes
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            assert [getattr(o, "code", o) for o in outcomes] == ["timeout"] * 5

        asyncio.run(main())
    assert _bridge.pending_calls() == 0


def test_async_client_config_errors() -> None:
    with pytest.raises(libgenauth.ConfigError) as caught:
        libgenauth.AsyncClient.from_config(local_config(appSecrett="typo"))
    assert caught.value.code == "invalid_config"
    with pytest.raises(libgenauth.ConfigError):
        libgenauth.AsyncClient(app_id="a", app_host="https://example.com", timeout_ms=0)
    with pytest.raises(TypeError):
        libgenauth.AsyncClient.from_config("not a dict")  # type: ignore[arg-type]
