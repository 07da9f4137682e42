"""The examples of bindings/python/README.md, run against the development provider, and the check
that the README quotes them as they are.

As for the repository's README (tests/readme_examples.rs), each example is a marked region of a
test — `# readme-example:start NAME` ... `# readme-example:end` — and the README quotes it after
`<!-- example from bindings/python/tests/test_readme.py#NAME -->`. After changing an example,
`GENAUTH_BLESS_README=1 bindings/python/run-tests -k readme_examples_match` rewrites the
README's copies.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import libgenauth

from conftest import dev_login_url

ROOT = Path(__file__).resolve().parents[3]
README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- example from "


# --- the examples ---------------------------------------------------------------------------


def test_login_flow_example(dev_url: str) -> None:
    app_host = dev_url
    web_session: Dict[str, Any] = {}  # the web framework's server-side session
    saved: List[Dict[str, Any]] = []
    save = saved.append

    def browser_comes_back(url: str) -> str:  # the user signs in at the provider
        return str(dev_login_url(dev_url, url)["callback_url"])

    # readme-example:start login
    import libgenauth

    client = libgenauth.Client(app_id="app-public", app_host=app_host,
                               redirect_uri="http://127.0.0.1:8976/callback",
                               token_endpoint_auth_method="none")  # public: PKCE, no secret

    # 1. Login route: a fresh state, nonce and PKCE pair. Keep the request server-side (it
    #    holds the PKCE secret), and send the browser to its URL.
    request = client.build_authorize_url(scope="openid profile email offline_access")
    web_session["login"] = request.to_dict()
    callback_url = browser_comes_back(request.url)  # ... to the redirect URI

    # 2. Callback route: check state and iss, then exchange the code (verifier, nonce).
    request = libgenauth.AuthorizeRequest.from_dict(web_session.pop("login"))
    tokens = client.exchange_callback(callback_url, request)

    # 3. Later: always-fresh tokens, one refresh at a time however many threads ask.
    session = client.session(tokens)                    # or a dict / JSON saved earlier
    access_token = session.fresh_tokens().access_token  # refreshes when < 60 s are left
    user = client.userinfo(access_token)                # {"sub": ..., "name": ..., ...}
    save(session.tokens.to_dict())                      # a refresh may rotate the token

    # 4. Sign-out: end the grant at the provider.
    client.revoke(session.tokens.refresh_token, token_type_hint="refresh_token")
    session.close()
    # readme-example:end
    assert user["name"] == "Alice Example"
    assert tokens.id_token_claims is not None and tokens.id_token_claims["sub"] == "user-1"
    assert saved[0]["refresh_token"] == tokens.refresh_token
    assert client.introspect(saved[0]["refresh_token"])["active"] is False
    client.close()


def test_async_login_flow_example(dev_url: str) -> None:
    app_host = dev_url

    async def browser_comes_back(url: str) -> str:  # the user signs in at the provider
        return str((await asyncio.to_thread(dev_login_url, dev_url, url))["callback_url"])

    # readme-example:start async-login
    import asyncio
    import libgenauth

    async def main():
        async with libgenauth.AsyncClient(
            app_id="app-post", app_secret="app-post-secret", app_host=app_host,
            redirect_uri="http://127.0.0.1:8976/callback",
        ) as client:
            request = await client.build_authorize_url(scope="openid profile offline_access")
            callback_url = await browser_comes_back(request.url)
            tokens = await client.exchange_callback(callback_url, request)

            async with client.session(tokens) as session:
                # Many tasks may ask at once: they share one refresh.
                fresh = await asyncio.gather(*(session.fresh_tokens() for _ in range(8)))
                user = await client.userinfo(fresh[0].access_token)
                await client.revoke(session.tokens.refresh_token, token_type_hint="refresh_token")
                status = await client.introspect(tokens.refresh_token)  # {"active": False, ...}
        return {"user": user, "active": status["active"]}

    result = asyncio.run(main())
    # readme-example:end
    assert result == {"user": {"sub": "user-1", "name": "Alice Example"}, "active": False}


def test_errors_example(dev_url: str, config) -> None:
    logins: List[str] = []
    start_login = lambda: logins.append("login")  # noqa: E731
    retry_later = lambda: None  # noqa: E731
    with libgenauth.Client.from_config(config("app-post")) as client:
        stored_refresh_token = "revoked-or-expired"
        # readme-example:start errors
        try:
            tokens = client.refresh(stored_refresh_token)
        except libgenauth.OAuthError as e:
            if e.oauth_error == "invalid_grant":  # revoked or expired: sign in again
                start_login()
        except libgenauth.NetworkError:           # timeout, unreachable: try again later
            retry_later()
        # readme-example:end
    assert logins == ["login"]


# --- the README quotes them -----------------------------------------------------------------


def region(path: str, name: str) -> str:
    """The region `name` of a file (the first region when `name` is empty), dedented."""
    lines = (ROOT / path).read_text().splitlines()
    start = next(
        (
            k
            for k, line in enumerate(lines)
            if re.search(r"readme-example:start\b", line)
            and (not name or line.split("readme-example:start", 1)[1].strip() == name)
        ),
        None,
    )
    assert start is not None, f"{path} has no readme-example region {name!r}"
    body: List[str] = []
    for line in lines[start + 1 :]:
        if "readme-example:end" in line:
            break
        body.append(line)
    indent = min((len(l) - len(l.lstrip()) for l in body if l.strip()), default=0)
    return "\n".join(l[indent:].rstrip() for l in body)


def synced(readme: str) -> Tuple[str, int]:
    """The README with every marked code block replaced by its region."""
    out: List[str] = []
    lines = iter(readme.splitlines())
    count = 0
    for line in lines:
        out.append(line)
        if not line.strip().startswith(MARKER):
            continue
        source = line.strip()[len(MARKER) :].rstrip("->").strip()
        path, _, name = source.partition("#")
        fence = next(lines)
        assert fence.startswith("```"), f"a code block follows {line}"
        out.append(fence)
        for rest in lines:
            if rest.startswith("```"):
                break
        out.append(region(path, name))
        out.append("```")
        count += 1
    return "\n".join(out) + "\n", count


def test_readme_examples_match_their_tests() -> None:
    if not README.is_file():
        pytest.skip("the README is not next to these tests")
    text = README.read_text()
    expected, count = synced(text)
    if os.environ.get("GENAUTH_BLESS_README"):
        README.write_text(expected)
        return
    assert count >= 3, f"the README quotes {count} examples"
    assert text == expected, (
        "bindings/python/README.md's examples differ from their tests: run "
        "`GENAUTH_BLESS_README=1 bindings/python/run-tests -k readme_examples_match`"
    )
