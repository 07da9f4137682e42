"""Client credentials, the logout URL and the device authorization grant against the
development provider (scripts/with-devprovider), through the blocking and asyncio clients."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
import urllib.request

import pytest

import libgenauth

from conftest import requests_log


def approve(dev_url: str, user_code: str, deny: bool = False) -> None:
    query = urllib.parse.urlencode({"user_code": user_code, **({"deny": "1"} if deny else {})})
    with urllib.request.urlopen(f"{dev_url}/dev/device-approve?{query}", timeout=10) as reply:
        assert json.load(reply)["approved"] is (not deny)


def test_client_credentials_with_post_and_basic(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        tokens = client.client_credentials()
        assert tokens.access_token and tokens.id_token is None and tokens.refresh_token is None
    basic = config("app-basic", tokenEndPointAuthMethod="client_secret_basic")
    with libgenauth.Client.from_config(basic) as client:
        assert client.client_credentials(scope="openid").access_token
    calls = [r for r in requests_log(dev_url) if r["grant_type"] == "client_credentials"][-2:]
    assert [(r["client_id"], r["auth"], r["status"]) for r in calls] == [
        ("app-post", "post", 200),
        ("app-basic", "basic", 200),
    ]


def test_client_credentials_refused_for_a_client_without_the_grant(config) -> None:
    hs256 = config("app-hs256", appSecret="app-hs256-secret-0123456789abcdef0123")
    with libgenauth.Client.from_config(hs256) as client:
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.client_credentials()
    # oidc-provider 9 answers invalid_request ("requested grant type is not allowed").
    assert caught.value.oauth_error in ("unauthorized_client", "invalid_request")
    assert caught.value.http_status == 400


def test_client_credentials_async(config) -> None:
    async def run() -> libgenauth.Tokens:
        async with libgenauth.AsyncClient.from_config(config("app-post")) as client:
            return await client.client_credentials(scope="openid")

    assert asyncio.run(run()).access_token


def test_logout_url_is_the_discovered_end_session_endpoint(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        url = client.logout_url(id_token_hint="a.b.c", state="s-1")
    assert url == f"{dev_url}/oidc/session/end?client_id=app-post&id_token_hint=a.b.c&state=s-1"


def test_device_flow_approved_after_pending(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        device = client.device_start(scope="openid offline_access")
        assert device["interval"] == 5  # oidc-provider gives none: RFC 8628's default
        assert device["verification_uri"] == f"{dev_url}/oidc/device"
        # Not approved yet: the window ends first, nothing polled before the interval.
        with pytest.raises(libgenauth.PendingError):
            client.device_poll(device["device_code"], max_wait_seconds=1)
        timer = threading.Timer(1.0, approve, (dev_url, device["user_code"]))
        timer.start()
        begun = time.monotonic()
        tokens = client.device_poll(device["device_code"], max_wait_seconds=30)
        timer.join()
        assert tokens.access_token and tokens.refresh_token
        assert tokens.id_token_claims and tokens.id_token_claims["sub"] == "user-1"
        assert time.monotonic() - begun >= 3  # the interval was kept
    polls = [r for r in requests_log(dev_url) if r["grant_type"] and "device_code" in r["grant_type"]]
    assert polls and polls[-1]["status"] == 200


def test_device_flow_denied(dev_url: str, config) -> None:
    with libgenauth.Client.from_config(config("app-post")) as client:
        device = client.device_start()
        approve(dev_url, device["user_code"], deny=True)
        with pytest.raises(libgenauth.OAuthError) as caught:
            client.device_poll(device["device_code"], max_wait_seconds=30)
    assert caught.value.oauth_error == "access_denied"


def test_device_flow_and_logout_url_with_the_async_client(dev_url: str, config) -> None:
    """The asyncio forms run on the library's non-blocking calls: the event loop keeps running
    while a poll waits (the approval is itself a task of the same loop)."""

    async def run() -> tuple:
        async with libgenauth.AsyncClient.from_config(config("app-post")) as client:
            url = await client.logout_url(id_token_hint="a.b.c", state="s-1")
            device = await client.device_start(scope="openid offline_access")
            with pytest.raises(libgenauth.PendingError):
                await client.device_poll(device["device_code"], max_wait_seconds=1)

            async def approve_later() -> None:
                await asyncio.sleep(1.0)
                await asyncio.get_running_loop().run_in_executor(
                    None, approve, dev_url, device["user_code"]
                )

            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.1)
                    ticks += 1

            ticker = asyncio.ensure_future(tick())
            approval = asyncio.ensure_future(approve_later())
            tokens = await client.device_poll(device["device_code"], max_wait_seconds=30)
            await approval
            ticker.cancel()
            denied = await client.device_start()
            approve(dev_url, denied["user_code"], deny=True)
            with pytest.raises(libgenauth.OAuthError) as caught:
                await client.device_poll(denied["device_code"], max_wait_seconds=30)
            return url, tokens, ticks, caught.value.oauth_error

    url, tokens, ticks, refusal = asyncio.run(run())
    assert url == f"{dev_url}/oidc/session/end?client_id=app-post&id_token_hint=a.b.c&state=s-1"
    assert tokens.access_token and tokens.refresh_token
    assert tokens.id_token_claims and tokens.id_token_claims["sub"] == "user-1"
    assert ticks >= 20  # the loop ran all along the poll (at least one 5 s interval)
    assert refusal == "access_denied"


def test_log_callback_sees_each_exchange_and_no_secret(dev_url: str, config) -> None:
    lines = []
    libgenauth.set_log_callback(lambda level, message: lines.append((level, message)), 4)
    try:
        with libgenauth.Client.from_config(config("app-post")) as client:
            tokens = client.client_credentials()
    finally:
        libgenauth.set_log_callback(None)
    exchanges = [m for level, m in lines if level == 4 and m.startswith("HTTP POST ")]
    assert any(m.startswith(f"HTTP POST {dev_url}/oidc/token -> 200 in ") for m in exchanges), lines
    for _, message in lines:
        assert "app-post-secret" not in message and tokens.access_token not in message
    count = len(lines)
    with libgenauth.Client.from_config(config("app-post")) as client:
        client.client_credentials()
    assert len(lines) == count  # off


def test_loopback_login_with_the_headless_dev_login(dev_url: str, config) -> None:
    from conftest import dev_login_url

    pages = []

    def browser(url: str) -> None:
        def visit() -> None:
            callback = dev_login_url(dev_url, url)["callback_url"]
            with urllib.request.urlopen(callback, timeout=30) as reply:
                pages.append(reply.read().decode("utf-8"))

        threading.Thread(target=visit, daemon=True).start()

    # The dev provider registers http://127.0.0.1:8976/callback only: the login listens there.
    with libgenauth.Client.from_config(config("app-post")) as client:
        tokens = client.login_loopback(
            browser, scope="openid profile offline_access", prompt="consent",
            port=8976, timeout_seconds=30,
        )
    assert tokens.access_token and tokens.id_token_claims["sub"] == "user-1"
    deadline = time.monotonic() + 5
    while not pages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pages and "You are signed in" in pages[0]
    assert tokens.access_token not in pages[0]
