"""Tests that need the library but no provider: loading, signatures, config and argument errors,
network errors, error mapping, Tokens, Client lifecycle."""

from __future__ import annotations

import asyncio
import ctypes
import dataclasses
import os
import pickle
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import libgenauth
from libgenauth import _native
from libgenauth.errors import error_from_document

from conftest import REDIRECT_URI, closed_port

EXPORTS = [
    "genauth_exchange_code",
    "genauth_refresh",
    "genauth_client_new",
    "genauth_client_free",
    "genauth_client_exchange_code",
    "genauth_client_exchange_code_with",
    "genauth_client_refresh",
    "genauth_client_exchange_code_async",
    "genauth_client_refresh_async",
    "genauth_client_revoke_async",
    "genauth_client_introspect_async",
    "genauth_client_userinfo_async",
    "genauth_client_authorize_url_async",
    "genauth_client_parse_callback_async",
    "genauth_session_fresh_tokens_async",
    "genauth_client_revoke",
    "genauth_client_introspect",
    "genauth_client_userinfo",
    "genauth_build_authorize_url",
    "genauth_parse_callback",
    "genauth_client_authorize_url",
    "genauth_client_parse_callback",
    "genauth_session_new",
    "genauth_session_fresh_tokens",
    "genauth_session_tokens",
    "genauth_session_free",
    "genauth_string_free",
    "genauth_version",
    "genauth_client_credentials",
    "genauth_client_credentials_async",
    "genauth_client_logout_url",
    "genauth_client_logout_url_async",
    "genauth_client_device_start",
    "genauth_client_device_start_async",
    "genauth_client_device_poll",
    "genauth_client_device_poll_async",
    "genauth_set_log_callback",
    "genauth_client_login_loopback",
]
RETURNS_OWNED_STRING = [
    "genauth_exchange_code",
    "genauth_refresh",
    "genauth_client_exchange_code",
    "genauth_client_exchange_code_with",
    "genauth_client_refresh",
    "genauth_client_revoke",
    "genauth_client_introspect",
    "genauth_client_userinfo",
    "genauth_build_authorize_url",
    "genauth_parse_callback",
    "genauth_client_authorize_url",
    "genauth_client_parse_callback",
    "genauth_session_fresh_tokens",
    "genauth_session_tokens",
    "genauth_client_credentials",
    "genauth_client_logout_url",
    "genauth_client_device_start",
    "genauth_client_device_poll",
    "genauth_client_login_loopback",
]


def local_config(**extra: object) -> dict:
    config = {
        "appId": "app-post",
        "appSecret": "app-post-secret",
        "appHost": f"http://127.0.0.1:{closed_port()}",
        "redirectUri": REDIRECT_URI,
    }
    config.update(extra)
    return config


# --- loading ---------------------------------------------------------------------------------


def test_every_error_code_of_the_header_has_an_exception_family() -> None:
    """The header's `genauth_error_code` is the one list of codes: each has a family here, and
    nothing here is a code the library does not have."""
    from libgenauth.errors import _FAMILIES

    header = (Path(__file__).resolve().parents[3] / "include" / "genauth.h").read_text()
    table = header.split("typedef enum genauth_error_code {")[1].split("} genauth_error_code;")[0]
    codes = re.findall(r"^\s*`([a-z0-9_]+)`:", table, flags=re.M)
    assert len(codes) >= 17
    assert set(codes) == set(_FAMILIES)


def test_version_is_the_library_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", libgenauth.version())


def test_installed_package_carries_its_library() -> None:
    if os.environ.get("GENAUTH_LIBRARY"):
        pytest.skip("GENAUTH_LIBRARY is set, so the bundled library is not the one loaded")
    package_dir = Path(libgenauth.__file__).resolve().parent
    assert Path(libgenauth.library_path()).resolve().parent == package_dir
    assert (package_dir / "py.typed").is_file()


def test_every_export_is_declared_with_pointer_results() -> None:
    lib = _native.library()
    for name in EXPORTS:
        function = getattr(lib, name)
        assert function.argtypes is not None, name
    for name in RETURNS_OWNED_STRING:
        # c_char_p would copy the string and lose the pointer genauth_string_free needs.
        assert getattr(lib, name).restype is ctypes.c_void_p, name
    assert lib.genauth_string_free.argtypes == [ctypes.c_void_p]
    assert lib.genauth_client_exchange_code_async.restype is ctypes.c_int32
    assert lib.genauth_client_refresh_async.restype is ctypes.c_int32
    assert lib.genauth_session_fresh_tokens.argtypes[1] is ctypes.c_uint32
    assert lib.genauth_session_free.restype is None
    # Constructors hand their error back through a `char **` that is released like a result.
    for name in ("genauth_client_new", "genauth_session_new"):
        assert getattr(lib, name).argtypes[-1] is ctypes.POINTER(ctypes.c_void_p), name


def test_every_header_function_is_declared() -> None:
    header = Path(__file__).resolve().parents[3] / "include" / "genauth.h"
    if not header.is_file():
        pytest.skip("the C header is not next to these tests")
    # Functions declared for one platform only (Android's TLS initialisation) are not this
    # binding's to call.
    text = re.sub(r"#if defined\(__\w+__\).*?#endif", " ", header.read_text(), flags=re.S)
    declared = set(re.findall(r"\b(genauth_[a-z_]+)\(", text))
    assert declared == set(EXPORTS)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )


def test_missing_library_is_an_import_error_with_a_clear_message() -> None:
    result = run_python(
        """
        import libgenauth
        try:
            libgenauth.version()
        except ImportError as e:
            assert isinstance(e, libgenauth.LibraryNotFoundError)
            print("MESSAGE", e)
        """,
        GENAUTH_LIBRARY="/nonexistent/libgenauth.so",
    )
    assert result.returncode == 0, result.stderr
    assert "MESSAGE" in result.stdout and "GENAUTH_LIBRARY" in result.stdout


def test_exit_with_async_calls_in_flight_is_clean() -> None:
    # Calls still running when the script ends: their callbacks must not fire into a finalizing
    # interpreter (a library thread acquiring the GIL then is killed, which aborts the process),
    # so the package waits for them at exit. A server that accepts and never answers.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(512)
    port = server.getsockname()[1]
    try:
        for delay in ("0", "0.04", "0.05"):
            result = run_python(
                f"""
                import asyncio, time, libgenauth
                client = libgenauth.Client(app_id="a", app_secret="s3cret-value",
                                           app_host="http://127.0.0.1:{port}", timeout_ms=50)
                async def main():
                    for _ in range(300):
                        asyncio.ensure_future(client.refresh_async("rt"))
                    await asyncio.sleep(0)
                asyncio.run(main())
                time.sleep({delay})
                print("done")
                """
            )
            assert result.returncode == 0, (delay, result.returncode, result.stderr[-2000:])
            assert result.stdout.strip() == "done"
    finally:
        server.close()


# --- config and argument errors --------------------------------------------------------------


def test_unknown_config_key_is_invalid_config() -> None:
    config = local_config(appSecrett="typo")
    with pytest.raises(libgenauth.ConfigError) as caught:
        libgenauth.Client.from_config(config)
    assert caught.value.code == "invalid_config"
    with pytest.raises(libgenauth.ConfigError) as caught:
        libgenauth.refresh(config, "some-refresh-token")
    assert caught.value.code == "invalid_config"


def test_missing_app_id_is_invalid_config() -> None:
    config = local_config()
    del config["appId"]
    with pytest.raises(libgenauth.ConfigError) as caught:
        libgenauth.exchange_code(config, "some-code")
    assert caught.value.code == "invalid_config"
    assert caught.value.http_status is None


def test_bad_option_values_are_invalid_config() -> None:
    for kwargs in (
        {"timeout_ms": 0},
        {"token_endpoint_auth_method": "private_key_jwt"},
        {"protocol": "saml"},
        {"clock_skew_seconds": 601},
    ):
        with pytest.raises(libgenauth.ConfigError) as caught:
            libgenauth.Client(
                app_id="a", app_secret="s3cret-value", app_host="https://example.com", **kwargs
            )
        assert caught.value.code == "invalid_config", kwargs


def test_plain_http_to_a_remote_host_is_insecure_transport() -> None:
    with pytest.raises(libgenauth.ConfigError) as caught:
        libgenauth.Client(app_id="a", app_secret="s3cret-value", app_host="http://example.com")
    assert caught.value.code == "insecure_transport"
    config = local_config(appHost="http://example.com")
    with pytest.raises(libgenauth.ConfigError) as caught:
        libgenauth.exchange_code(config, "some-code")
    assert caught.value.code == "insecure_transport"


def test_argument_errors() -> None:
    with libgenauth.Client.from_config(local_config()) as client:
        with pytest.raises(libgenauth.ConfigError) as caught:
            client.exchange_code("")
        assert caught.value.code == "invalid_argument"
        with pytest.raises(libgenauth.ConfigError) as caught:
            client.refresh("")
        assert caught.value.code == "invalid_argument"
        # A NUL would silently cut the string in C: refused before the call.
        with pytest.raises(libgenauth.ConfigError) as caught:
            client.exchange_code("abc\x00def")
        assert caught.value.code == "invalid_argument"
        with pytest.raises(libgenauth.ConfigError) as caught:
            client.refresh("\udcff")
        assert caught.value.code == "invalid_utf8"
        with pytest.raises(TypeError):
            client.exchange_code(b"bytes")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            client.refresh(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        libgenauth.refresh('{"appId": "a"}', "rt")  # type: ignore[arg-type]
    with pytest.raises(libgenauth.ConfigError) as caught:
        libgenauth.refresh({"appId": {1, 2}}, "rt")
    assert caught.value.code == "invalid_config"


# --- network errors --------------------------------------------------------------------------


def test_closed_port_is_connect_failed() -> None:
    config = local_config()
    with libgenauth.Client.from_config(config) as client:
        with pytest.raises(libgenauth.NetworkError) as caught:
            client.exchange_code("some-code")
        assert caught.value.code == "connect_failed"
        with pytest.raises(libgenauth.NetworkError) as caught:
            client.refresh("some-refresh-token")
        assert caught.value.code == "connect_failed"
    with pytest.raises(libgenauth.NetworkError) as caught:
        libgenauth.refresh(config, "some-refresh-token")
    assert caught.value.code == "connect_failed"


def test_silent_server_is_timeout() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        config = local_config(appHost=f"http://127.0.0.1:{server.getsockname()[1]}", timeoutMs=300)
        started = time.monotonic()
        with pytest.raises(libgenauth.NetworkError) as caught:
            libgenauth.refresh(config, "some-refresh-token")
        assert caught.value.code == "timeout"
        assert time.monotonic() - started < 5
    finally:
        server.close()


def test_blocking_calls_release_the_gil() -> None:
    # Eight threads each wait 400 ms for a silent server: in parallel that takes about 400 ms,
    # one after the other (the GIL held) 3.2 s.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    try:
        config = local_config(appHost=f"http://127.0.0.1:{server.getsockname()[1]}", timeoutMs=400)
        codes: list = []
        with libgenauth.Client.from_config(config) as client:

            def call() -> None:
                try:
                    client.refresh("some-refresh-token")
                except libgenauth.NetworkError as e:
                    codes.append(e.code)

            threads = [threading.Thread(target=call) for _ in range(8)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        assert codes == ["timeout"] * 8
        assert elapsed < 2.0, elapsed
    finally:
        server.close()


def test_async_errors_arrive_through_the_callback() -> None:
    async def main() -> None:
        with libgenauth.Client.from_config(local_config()) as client:
            with pytest.raises(libgenauth.NetworkError) as caught:
                await client.refresh_async("some-refresh-token")
            assert caught.value.code == "connect_failed"
            with pytest.raises(libgenauth.ConfigError) as caught:
                await client.exchange_code_async("", code_verifier="v" * 43)
            assert caught.value.code == "invalid_argument"

    asyncio.run(main())
    from libgenauth import _bridge

    assert _bridge.pending_calls() == 0


# --- client lifecycle ------------------------------------------------------------------------


def test_closed_client_refuses_calls() -> None:
    client = libgenauth.Client.from_config(local_config())
    assert not client.closed
    with client:
        pass
    assert client.closed
    client.close()  # twice is a no-op
    with pytest.raises(ValueError):
        client.refresh("some-refresh-token")
    with pytest.raises(ValueError):
        asyncio.run(client.refresh_async("some-refresh-token"))
    assert "closed" in repr(client)


def test_close_while_other_threads_call() -> None:
    client = libgenauth.Client.from_config(local_config())
    outcomes: list = []

    def call() -> None:
        for _ in range(20):
            try:
                client.refresh("some-refresh-token")
            except (libgenauth.NetworkError, ValueError) as e:
                outcomes.append(type(e))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.01)
    client.close()
    for t in threads:
        t.join()
    assert len(outcomes) == 160
    assert set(outcomes) <= {libgenauth.NetworkError, ValueError}


def test_client_repr_names_the_app_not_the_secret() -> None:
    client = libgenauth.Client(
        app_id="app-post", app_secret="very-secret-value", app_host="https://example.com"
    )
    try:
        assert "app-post" in repr(client)
        assert "very-secret-value" not in repr(client)
    finally:
        client.close()


# --- error documents -------------------------------------------------------------------------

FAMILIES = {
    "invalid_config": libgenauth.ConfigError,
    "null_argument": libgenauth.ConfigError,
    "invalid_utf8": libgenauth.ConfigError,
    "invalid_argument": libgenauth.ConfigError,
    "insecure_transport": libgenauth.ConfigError,
    "timeout": libgenauth.NetworkError,
    "connect_failed": libgenauth.NetworkError,
    "tls": libgenauth.NetworkError,
    "oauth_error": libgenauth.OAuthError,
    "http_status": libgenauth.ProviderError,
    "invalid_response": libgenauth.ProviderError,
    "id_token_invalid": libgenauth.IdTokenError,
    "state_mismatch": libgenauth.CallbackError,
    "issuer_mismatch": libgenauth.CallbackError,
    "no_refresh_token": libgenauth.SessionError,
    "internal": libgenauth.InternalError,
    "reentrant_call": libgenauth.InternalError,
    "authorization_pending": libgenauth.PendingError,
    "login_timeout": libgenauth.LoginError,
    "browser_failed": libgenauth.LoginError,
    "something_new": libgenauth.InternalError,
}


@pytest.mark.parametrize("code", sorted(FAMILIES))
def test_error_codes_map_to_families(code: str) -> None:
    error = error_from_document({"code": code, "message": "a sentence."})
    assert type(error) is FAMILIES[code]
    assert isinstance(error, libgenauth.GenAuthError)
    assert error.code == code
    assert str(error) == "a sentence."


def test_error_attributes_repr_and_pickle() -> None:
    error = error_from_document(
        {
            "code": "oauth_error",
            "message": "the provider rejected the grant: invalid_grant",
            "http_status": 400,
            "oauth_error": "invalid_grant",
            "oauth_error_description": "grant request is invalid",
            "extra": [1],
        }
    )
    assert isinstance(error, libgenauth.OAuthError)
    assert (error.http_status, error.oauth_error) == (400, "invalid_grant")
    assert error.oauth_error_description == "grant request is invalid"
    assert error.reason is None
    assert error.details["extra"] == [1]
    assert repr(error).startswith("OAuthError(code='oauth_error'")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is libgenauth.OAuthError and copy.details == error.details

    id_error = error_from_document({"code": "id_token_invalid", "message": "m", "reason": "exp"})
    assert isinstance(id_error, libgenauth.IdTokenError) and id_error.reason == "exp"
    assert isinstance(error_from_document(None), libgenauth.InternalError)


# --- Tokens ----------------------------------------------------------------------------------


def test_tokens_keep_every_field() -> None:
    raw = {
        "access_token": "at-value",
        "token_type": "Bearer",
        "expires_in": 7200,
        "expires_at": 1764070000,
        "scope": "openid",
        "x_vendor": {"k": "v"},
    }
    tokens = libgenauth.Tokens.from_dict(raw)
    assert tokens.access_token == "at-value"
    assert tokens.refresh_token is None and tokens.id_token is None
    assert tokens.id_token_claims is None
    assert tokens.raw == raw and tokens.to_dict() == raw
    tokens.to_dict()["x_vendor"]["k"] = "changed"
    assert tokens.raw["x_vendor"]["k"] == "v"
    with pytest.raises(dataclasses.FrozenInstanceError):
        tokens.access_token = "other"  # type: ignore[misc]
    hash(tokens)
    assert "at-value" not in repr(tokens) and "expires_at=1764070000" in repr(tokens)
