"""The loopback login (RFC 8252, ``genauth_client_login_loopback``) in a real browser.

Headless Chromium, driven by Playwright, is the person at the browser: it opens the URL the
library hands to ``on_url``, fills and submits the development provider's real sign-in form and
consent page (client ``app-native``: a native client whose loopback redirect may use any port),
and lands on the page the library answers the callback with. Meanwhile the app's thread waits in
``login_loopback``, as a command-line app would.

Needs GENAUTH_DEV_URL (scripts/with-devprovider), Debian's ``chromium`` and Playwright for Python
(``bindings/python/run-tests`` installs it; no browser is ever downloaded: the system chromium is
used). Without chromium or Playwright these tests skip, unless GENAUTH_REQUIRE_BROWSER=1 (set by
``make test``, whose ``scripts/ensure-deps test`` installs chromium), where they fail.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import libgenauth

from conftest import clear_requests, requests_log

EMAIL = "alice@example.com"
PASSWORD = "alice-password"
SCOPE = "openid profile email offline_access"
# Bounds on every wait, so a broken login fails instead of hanging (none is a timing assert).
STEP_MS = 15_000
OUTCOME_S = 30.0


def _unavailable(reason: str) -> None:
    if os.environ.get("GENAUTH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (GENAUTH_REQUIRE_BROWSER=1: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module; each login gets a fresh context (its own cookies:
    a person who has not signed in yet)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("no chromium on PATH (scripts/ensure-deps test installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (bindings/python/run-tests installs it)")
    with sync_playwright() as playwright:
        # --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"], headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(STEP_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def native(config: Any) -> Dict[str, Any]:
    """The config of the provider's native client: public (PKCE, no secret); only the path of
    its redirect URI counts, the port is the one the login listens on."""
    return config(
        "app-native",
        tokenEndPointAuthMethod="none",
        redirectUri="http://127.0.0.1/callback",
    )


class LoopbackLogin:
    """``login_loopback`` on a thread of its own, the app waiting for the browser, while the
    test's thread plays the person. ``url()`` is what the library handed to ``on_url``."""

    def __init__(self, client: libgenauth.Client, **options: Any) -> None:
        self._urls: "queue.Queue[str]" = queue.Queue()
        self._outcome: "queue.Queue[Tuple[Optional[libgenauth.Tokens], Optional[BaseException]]]" = (
            queue.Queue()
        )
        self.started = time.monotonic()

        def run() -> None:
            try:
                self._outcome.put((client.login_loopback(self._urls.put, **options), None))
            except BaseException as e:  # noqa: BLE001 - handed to the test's thread
                self._outcome.put((None, e))

        self._thread = threading.Thread(target=run, name="app waiting in login_loopback", daemon=True)
        self._thread.start()

    def url(self) -> str:
        try:
            return self._urls.get(timeout=OUTCOME_S)
        except queue.Empty:
            raise AssertionError(f"on_url was not called: {self.outcome()}") from None

    def outcome(self, timeout: float = OUTCOME_S) -> Tuple[Optional[libgenauth.Tokens], Optional[BaseException]]:
        try:
            result = self._outcome.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"login_loopback did not return within {timeout} s") from None
        self._thread.join(timeout=5)
        return result

    def tokens(self) -> libgenauth.Tokens:
        tokens, error = self.outcome()
        if error is not None:
            raise error
        assert tokens is not None
        return tokens


def query(url: str) -> Dict[str, str]:
    pairs = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)
    return dict(pairs)


def with_param(url: str, name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(url)
    pairs = [(k, value if k == name else v) for k, v in urllib.parse.parse_qsl(parts.query)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(pairs)))


def fill_sign_in(page: Any) -> None:
    """What a person does on the provider's sign-in form: email, password, Sign in; the consent
    page follows."""
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Allow access?").wait_for()


def sign_in(page: Any, url: str) -> None:
    page.goto(url)
    fill_sign_in(page)


def finish(page: Any, redirect_uri: str, button: str = "Allow") -> str:
    """Clicks Allow (or Deny) on the consent page; returns the text of the page the browser
    finally shows, the library's answer at the loopback redirect URI."""
    page.get_by_role("button", name=button).click()
    page.wait_for_url(lambda url: url.startswith(redirect_uri + "?"))
    return str(page.locator("body").inner_text())


def native_token_calls(dev_url: str) -> List[Dict[str, Any]]:
    return [r for r in requests_log(dev_url) if r["client_id"] == "app-native"]


def test_a_person_signs_in_with_chromium_and_the_app_gets_verified_tokens(
    dev_url: str, native: Dict[str, Any], page: Any
) -> None:
    clear_requests(dev_url)
    with libgenauth.Client.from_config(native) as client:
        login = LoopbackLogin(client, scope=SCOPE, prompt="consent", timeout_seconds=60)
        url = login.url()
        asked = query(url)
        redirect_uri = asked["redirect_uri"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", redirect_uri), redirect_uri
        assert url.startswith(f"{dev_url}/oidc/auth?")
        assert asked["client_id"] == "app-native" and asked["code_challenge_method"] == "S256"
        assert asked["scope"] == SCOPE and asked["state"] and asked["nonce"]

        page.goto(url)
        assert page.title() == "Sign in"
        # A mistyped password first: the provider's form says so and asks again.
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text() == "Wrong email or password."
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Allow access?").wait_for()
        listed = page.locator("li code").all_inner_texts()
        assert listed == SCOPE.split(), listed
        text = finish(page, redirect_uri)
        landed = page.url
        html = page.content()
        tokens = login.tokens()

        assert tokens.access_token and tokens.id_token and tokens.refresh_token
        assert tokens.token_type.lower() == "bearer" and tokens.scope == SCOPE
        claims = tokens.id_token_claims  # present only when the library verified the id_token
        assert claims is not None
        assert claims["sub"] == "user-1" and claims["aud"] == "app-native"
        assert claims["iss"] == f"{dev_url}/oidc" and claims["nonce"] == asked["nonce"]
        assert claims["email"] == EMAIL and claims["name"] == "Alice Example"
        assert client.userinfo(tokens.access_token)["sub"] == "user-1"

    # What the browser finally said: the library's page, and nothing secret in it.
    assert text.strip() == "You are signed in. You may close this window.", text
    assert page.title() == "Signed in"
    code = query(landed)["code"]
    assert query(landed)["state"] == asked["state"]
    for secret in (tokens.access_token, tokens.id_token, tokens.refresh_token, code):
        assert secret not in html
    # One exchange, with the verifier and no secret, at the loopback redirect URI's port.
    calls = native_token_calls(dev_url)
    assert [(c["grant_type"], c["auth"], c["status"]) for c in calls] == [
        ("authorization_code", "none", 200)
    ], calls
    assert "code_verifier" in calls[0]["body_keys"] and "client_secret" not in calls[0]["body_keys"]


def test_a_callback_with_another_state_is_state_mismatch_and_the_page_says_so(
    dev_url: str, native: Dict[str, Any], page: Any
) -> None:
    clear_requests(dev_url)
    with libgenauth.Client.from_config(native) as client:
        login = LoopbackLogin(client, scope="openid", timeout_seconds=60)
        url = login.url()
        # A login link someone else made (another state), opened in the person's browser: the
        # provider signs them in and sends that state back to the app's listener.
        forged = with_param(url, "state", "forged-state-0123")
        assert query(forged)["state"] == "forged-state-0123"
        sign_in(page, forged)
        text = finish(page, query(url)["redirect_uri"])
        tokens, error = login.outcome()

    assert tokens is None and isinstance(error, libgenauth.CallbackError), error
    assert error.code == "state_mismatch"
    assert query(page.url)["state"] == "forged-state-0123"
    assert "Sign-in failed (state_mismatch)" in text, text
    assert page.title() == "Sign-in failed"
    assert native_token_calls(dev_url) == [], "nothing is exchanged"


def test_consent_denied_is_the_providers_access_denied_and_the_page_says_so(
    native: Dict[str, Any], page: Any
) -> None:
    with libgenauth.Client.from_config(native) as client:
        login = LoopbackLogin(client, scope=SCOPE, prompt="consent", timeout_seconds=60)
        url = login.url()
        sign_in(page, url)
        text = finish(page, query(url)["redirect_uri"], button="Deny")
        tokens, error = login.outcome()

    assert tokens is None and isinstance(error, libgenauth.OAuthError), error
    assert error.oauth_error == "access_denied"
    assert "Sign-in failed (oauth_error)" in text and "access_denied" in text, text


def test_a_browser_that_never_comes_back_is_login_timeout(
    native: Dict[str, Any], page: Any
) -> None:
    with libgenauth.Client.from_config(native) as client:
        login = LoopbackLogin(client, scope="openid", timeout_seconds=2)
        url = login.url()
        page.goto(url)  # the sign-in form is shown, and the person walks away
        assert page.title() == "Sign in"
        tokens, error = login.outcome(timeout=2 + OUTCOME_S)
        waited = time.monotonic() - login.started

        assert tokens is None and isinstance(error, libgenauth.LoginError), error
        assert error.code == "login_timeout"
        assert waited < 2 + OUTCOME_S

        # Coming back afterwards reaches nobody: the listener is gone with the login.
        redirect_uri = query(url)["redirect_uri"]
        fill_sign_in(page)
        with page.expect_event(
            "requestfailed", predicate=lambda request: request.url.startswith(redirect_uri)
        ) as failed:
            page.get_by_role("button", name="Allow").click()
        assert "ERR_CONNECTION_REFUSED" in (failed.value.failure or ""), failed.value.failure


def test_a_busy_port_is_a_clear_error_and_no_browser_is_sent(native: Dict[str, Any]) -> None:
    opened: List[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with libgenauth.Client.from_config(native) as client:
            with pytest.raises(libgenauth.ConfigError) as caught:
                client.login_loopback(opened.append, scope="openid", port=port, timeout_seconds=5)
    assert caught.value.code == "invalid_argument"
    assert f"cannot listen on 127.0.0.1:{port} for the login callback" in caught.value.message
    assert opened == [], "no login page for a login that cannot finish"


def test_two_logins_at_once_in_two_browsers_both_succeed(
    dev_url: str, native: Dict[str, Any], browser: Any
) -> None:
    contexts = [browser.new_context(), browser.new_context()]
    try:
        for context in contexts:
            context.set_default_timeout(STEP_MS)
        first, second = (context.new_page() for context in contexts)
        with libgenauth.Client.from_config(native) as client:
            # Both apps wait at once, each on its own port, with its own state, nonce and PKCE.
            logins = [
                LoopbackLogin(client, scope=SCOPE, prompt="consent", timeout_seconds=60)
                for _ in range(2)
            ]
            urls = [login.url() for login in logins]
            asked = [query(url) for url in urls]
            for key in ("redirect_uri", "state", "nonce", "code_challenge"):
                assert asked[0][key] != asked[1][key], key
            first.goto(urls[0])
            second.goto(urls[1])
            fill_sign_in(first)
            fill_sign_in(second)
            # Finished in the other order than started.
            texts = [
                finish(second, asked[1]["redirect_uri"]),
                finish(first, asked[0]["redirect_uri"]),
            ]
            tokens = [login.tokens() for login in logins]
    finally:
        for context in contexts:
            context.close()

    for text in texts:
        assert text.strip() == "You are signed in. You may close this window.", text
    for mine, request in zip(tokens, asked):
        assert mine.id_token_claims is not None
        assert mine.id_token_claims["sub"] == "user-1"
        assert mine.id_token_claims["nonce"] == request["nonce"]
        assert mine.refresh_token
    assert tokens[0].access_token != tokens[1].access_token
    assert tokens[0].refresh_token != tokens[1].refresh_token


def test_make_demo_browser_headless_prints_what_happened_and_no_token(
    dev_url: str, browser: Any
) -> None:
    """`make demo-browser` where there is no display (its script, as scripts/demo-browser runs
    it): the browser's steps, the page's words, the claims; never a token."""
    script = Path(__file__).resolve().parents[3] / "scripts" / "demo_browser.py"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, str(script)], env={**env, "GENAUTH_DEV_URL": dev_url},
        capture_output=True, text=True, timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "No display: headless Chromium" in out
    assert '[browser] page "Sign in"' in out and 'clicked "Allow"' in out
    assert '[browser] the page says: "You are signed in. You may close this window."' in out
    assert '"sub": "user-1"' in out and '"aud": "app-native"' in out
    assert "callback?code=…&state=" in out, out  # the code is elided
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", out), "no JWT in the output"
