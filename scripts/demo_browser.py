"""The loopback login of a desktop or command-line app (RFC 8252) in a real browser, against the
development provider at GENAUTH_DEV_URL: `make demo-browser` runs it (through
scripts/demo-browser, with the Python binding installed).

With a display ($DISPLAY or $WAYLAND_DISPLAY) the library opens the system browser itself (no
on_url is given): sign in there. Without one, or with GENAUTH_DEMO_HEADLESS=1, headless Chromium
(Playwright, the system's chromium) is the person at the browser and each step is printed. Then
the claims of the tokens are printed, never the tokens themselves.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import threading
import time
import urllib.parse
from typing import Any, Optional, Tuple

import libgenauth

EMAIL = "alice@example.com"
PASSWORD = "alice-password"
SCOPE = "openid profile email offline_access"


def say(text: str = "") -> None:
    print(text, flush=True)


def shorten(url: str) -> str:
    """The URL with its code elided (a code is a secret until it is spent)."""
    parts = urllib.parse.urlsplit(url)
    pairs = urllib.parse.parse_qsl(parts.query)
    query = "&".join(f"{k}={'…' if k == 'code' else v}" for k, v in pairs)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def headless_login(client: libgenauth.Client) -> libgenauth.Tokens:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        sys.exit("no display and no chromium: run `scripts/ensure-deps demo-browser` (installs "
                 "Debian's chromium), or run this where there is a display")
    from playwright.sync_api import sync_playwright

    urls: "queue.Queue[str]" = queue.Queue()
    outcome: "queue.Queue[Tuple[Optional[libgenauth.Tokens], Optional[BaseException]]]" = queue.Queue()

    def app() -> None:
        # The app's side, as a command-line program calls it: blocks until the browser is back.
        try:
            outcome.put((client.login_loopback(urls.put, scope=SCOPE, prompt="consent",
                                               timeout_seconds=60), None))
        except BaseException as e:  # noqa: BLE001 - reported below
            outcome.put((None, e))

    say("No display: headless Chromium plays the person at the browser.")
    threading.Thread(target=app, daemon=True).start()
    url = urls.get(timeout=30)
    redirect_uri = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["redirect_uri"]
    say(f"[app]     listening on {redirect_uri}; on_url got the login URL:")
    say(f"          {url}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"],
                                             headless=True)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(url)
        say(f"[browser] page \"{page.title()}\" at {shorten(page.url)}")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        say(f"[browser] filled {EMAIL} and the password, clicked \"Sign in\"")
        page.get_by_role("heading", name="Allow access?").wait_for()
        scopes = ", ".join(page.locator("li code").all_inner_texts())
        say(f"[browser] page \"{page.title()}\": app-native asks for {scopes}; clicked \"Allow\"")
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(lambda u: u.startswith(redirect_uri + "?"))
        say(f"[browser] redirected to {shorten(page.url)}")
        say(f"[browser] the page says: \"{page.locator('body').inner_text().strip()}\"")
        browser.close()
    tokens, error = outcome.get(timeout=60)
    if error is not None:
        raise error
    assert tokens is not None
    return tokens


def main() -> int:
    app_host = os.environ.get("GENAUTH_DEV_URL")
    if not app_host:
        sys.exit("GENAUTH_DEV_URL is not set: run this through `make demo-browser`")
    config = {
        "appId": "app-native",  # the dev provider's native client: public, any loopback port
        "appHost": app_host,
        "redirectUri": "http://127.0.0.1/callback",  # the port is the one the login listens on
        "tokenEndPointAuthMethod": "none",
    }
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    headless = not display or os.environ.get("GENAUTH_DEMO_HEADLESS") == "1"
    say(f"Development provider: {app_host} (GenAuth's routes under /oidc)")
    say("Client: app-native (public, PKCE, loopback redirect on any port)")
    say()
    with libgenauth.Client.from_config(config) as client:
        started = time.monotonic()
        try:
            if headless:
                tokens = headless_login(client)
            else:
                say("Opening your browser (the library's own opening, no on_url) ...")
                say(f"Sign in as {EMAIL} with the password {PASSWORD}, then Allow. "
                    "Waiting up to 300 s.")
                tokens = client.login_loopback(scope=SCOPE, prompt="consent", timeout_seconds=300)
        except libgenauth.GenAuthError as e:
            say(f"login failed: {e.code}: {e}")
            if e.code == "browser_failed":
                say("(no browser could be opened: GENAUTH_DEMO_HEADLESS=1 uses headless Chromium)")
            return 1
        say(f"[app]     login_loopback returned after {time.monotonic() - started:.1f} s")
        say()
        say("Tokens (the id_token was verified; the tokens themselves are not printed):")
        say(f"  token_type {tokens.token_type}, scope \"{tokens.scope}\", expires_at "
            f"{tokens.expires_at} (in {tokens.expires_in} s), refresh token: "
            f"{'yes' if tokens.refresh_token else 'no'}")
        say("  id_token claims: " + json.dumps(tokens.id_token_claims, indent=2).replace("\n", "\n  "))
        info: Any = client.userinfo(tokens.access_token)
        say("  userinfo (with the access token): " + json.dumps(info, indent=2).replace("\n", "\n  "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
