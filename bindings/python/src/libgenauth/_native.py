"""Loading the shared library and declaring every exported function's C signature."""

from __future__ import annotations

import ctypes
import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, Literal, Mapping, Optional, overload

__all__ = [
    "LibraryNotFoundError",
    "library",
    "library_path",
    "take_string",
    "encode_arg",
    "encode_json",
    "encode_config",
]

#: File names looked for next to this package, in order.
BUNDLED_NAMES = ("libgenauth.so", "libgenauth.dylib", "genauth.dll", "libgenauth.dll")

#: ``void (*genauth_callback)(void *user_data, char *result_json)``. The result is typed
#: ``c_void_p`` so that the pointer survives and can be released with ``genauth_string_free``.
CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

#: ``void (*genauth_url_fn)(void *user_data, const char *url)``.
URL_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)

#: ``void (*genauth_log_fn)(void *user_data, int32_t level, const char *message)``.
LOG_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p)


class LibraryNotFoundError(ImportError):
    """The libgenauth shared library could not be found or loaded."""

    __module__ = "libgenauth"


class _ClientStruct(ctypes.Structure):
    """The opaque ``genauth_client``; only pointers to it are ever handled."""


ClientPointer = ctypes.POINTER(_ClientStruct)


class _SessionStruct(ctypes.Structure):
    """The opaque ``genauth_session``; only pointers to it are ever handled."""


SessionPointer = ctypes.POINTER(_SessionStruct)

_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None
_library_path: Optional[str] = None
_string_free: Any = None


def _declare(lib: ctypes.CDLL) -> None:
    c_char_p, c_void_p, c_int32, c_uint32 = (
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.c_int32,
        ctypes.c_uint32,
    )

    # Every returned `char *` is c_void_p (c_char_p would copy it into bytes and lose the pointer,
    # which must be released exactly once with genauth_string_free).
    lib.genauth_exchange_code.argtypes = [c_char_p, c_char_p, c_char_p]
    lib.genauth_exchange_code.restype = c_void_p
    lib.genauth_refresh.argtypes = [c_char_p, c_char_p]
    lib.genauth_refresh.restype = c_void_p

    lib.genauth_client_new.argtypes = [c_char_p, ctypes.POINTER(c_void_p)]
    lib.genauth_client_new.restype = ClientPointer
    lib.genauth_client_free.argtypes = [ClientPointer]
    lib.genauth_client_free.restype = None
    lib.genauth_client_exchange_code.argtypes = [ClientPointer, c_char_p, c_char_p]
    lib.genauth_client_exchange_code.restype = c_void_p
    lib.genauth_client_exchange_code_with.argtypes = [ClientPointer, c_char_p, c_char_p]
    lib.genauth_client_exchange_code_with.restype = c_void_p
    lib.genauth_client_refresh.argtypes = [ClientPointer, c_char_p]
    lib.genauth_client_refresh.restype = c_void_p

    lib.genauth_client_revoke.argtypes = [ClientPointer, c_char_p, c_char_p]
    lib.genauth_client_revoke.restype = c_void_p
    lib.genauth_client_introspect.argtypes = [ClientPointer, c_char_p]
    lib.genauth_client_introspect.restype = c_void_p
    lib.genauth_client_userinfo.argtypes = [ClientPointer, c_char_p]
    lib.genauth_client_userinfo.restype = c_void_p

    lib.genauth_build_authorize_url.argtypes = [c_char_p, c_char_p]
    lib.genauth_build_authorize_url.restype = c_void_p
    lib.genauth_parse_callback.argtypes = [c_char_p, c_char_p, c_char_p]
    lib.genauth_parse_callback.restype = c_void_p
    lib.genauth_client_authorize_url.argtypes = [ClientPointer, c_char_p]
    lib.genauth_client_authorize_url.restype = c_void_p
    lib.genauth_client_parse_callback.argtypes = [ClientPointer, c_char_p, c_char_p]
    lib.genauth_client_parse_callback.restype = c_void_p

    lib.genauth_session_new.argtypes = [ClientPointer, c_char_p, ctypes.POINTER(c_void_p)]
    lib.genauth_session_new.restype = SessionPointer
    lib.genauth_session_fresh_tokens.argtypes = [SessionPointer, c_uint32]
    lib.genauth_session_fresh_tokens.restype = c_void_p
    lib.genauth_session_tokens.argtypes = [SessionPointer]
    lib.genauth_session_tokens.restype = c_void_p
    lib.genauth_session_free.argtypes = [SessionPointer]
    lib.genauth_session_free.restype = None

    lib.genauth_client_exchange_code_async.argtypes = [
        ClientPointer,
        c_char_p,
        c_char_p,
        CALLBACK,
        c_void_p,
    ]
    lib.genauth_client_exchange_code_async.restype = c_int32
    lib.genauth_client_refresh_async.argtypes = [ClientPointer, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_refresh_async.restype = c_int32
    lib.genauth_client_revoke_async.argtypes = [ClientPointer, c_char_p, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_revoke_async.restype = c_int32
    lib.genauth_client_introspect_async.argtypes = [ClientPointer, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_introspect_async.restype = c_int32
    lib.genauth_client_userinfo_async.argtypes = [ClientPointer, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_userinfo_async.restype = c_int32
    lib.genauth_client_authorize_url_async.argtypes = [ClientPointer, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_authorize_url_async.restype = c_int32
    lib.genauth_client_parse_callback_async.argtypes = [
        ClientPointer,
        c_char_p,
        c_char_p,
        CALLBACK,
        c_void_p,
    ]
    lib.genauth_client_parse_callback_async.restype = c_int32
    lib.genauth_session_fresh_tokens_async.argtypes = [SessionPointer, c_uint32, CALLBACK, c_void_p]
    lib.genauth_session_fresh_tokens_async.restype = c_int32

    lib.genauth_client_credentials.argtypes = [ClientPointer, c_char_p]
    lib.genauth_client_credentials.restype = c_void_p
    lib.genauth_client_credentials_async.argtypes = [ClientPointer, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_credentials_async.restype = c_int32
    lib.genauth_client_logout_url.argtypes = [ClientPointer, c_char_p]
    lib.genauth_client_logout_url.restype = c_void_p
    lib.genauth_client_logout_url_async.argtypes = [ClientPointer, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_logout_url_async.restype = c_int32
    lib.genauth_client_device_start.argtypes = [ClientPointer, c_char_p]
    lib.genauth_client_device_start.restype = c_void_p
    lib.genauth_client_device_start_async.argtypes = [ClientPointer, c_char_p, CALLBACK, c_void_p]
    lib.genauth_client_device_start_async.restype = c_int32
    lib.genauth_client_device_poll.argtypes = [ClientPointer, c_char_p, c_uint32]
    lib.genauth_client_device_poll.restype = c_void_p
    lib.genauth_client_device_poll_async.argtypes = [
        ClientPointer,
        c_char_p,
        c_uint32,
        CALLBACK,
        c_void_p,
    ]
    lib.genauth_client_device_poll_async.restype = c_int32

    lib.genauth_client_login_loopback.argtypes = [ClientPointer, c_char_p, URL_CALLBACK, c_void_p]
    lib.genauth_client_login_loopback.restype = c_void_p

    lib.genauth_set_log_callback.argtypes = [LOG_CALLBACK, c_void_p, c_int32]
    lib.genauth_set_log_callback.restype = None

    lib.genauth_string_free.argtypes = [c_void_p]
    lib.genauth_string_free.restype = None
    # A static string that is never freed: c_char_p (a copy into bytes) is right here.
    lib.genauth_version.argtypes = []
    lib.genauth_version.restype = c_char_p


def _candidates() -> "list[tuple[str, str]]":
    """(how it was found, path or name) in lookup order."""
    configured = os.environ.get("GENAUTH_LIBRARY")
    if configured:
        # An explicit setting is the only candidate: a wrong path must not silently fall back.
        # It names the library file or the folder holding it.
        if os.path.isdir(configured):
            for name in BUNDLED_NAMES:
                if os.path.isfile(os.path.join(configured, name)):
                    return [("GENAUTH_LIBRARY", os.path.join(configured, name))]
            return [("GENAUTH_LIBRARY", os.path.join(configured, BUNDLED_NAMES[0]))]
        return [("GENAUTH_LIBRARY", configured)]
    found = []
    here = Path(__file__).resolve().parent
    for name in BUNDLED_NAMES:
        if (here / name).is_file():
            found.append(("bundled", str(here / name)))
    import ctypes.util  # only for this fallback: it costs a noticeable part of the import

    system = ctypes.util.find_library("genauth")
    if system:
        found.append(("system loader", system))
    return found


def _load() -> ctypes.CDLL:
    global _library, _library_path
    with _lock:
        if _library is not None:
            return _library
        candidates = _candidates()
        failures = []
        for origin, path in candidates:
            try:
                lib = ctypes.CDLL(path)
                _declare(lib)
                # The same library again (the loader hands back the loaded one) through PyDLL,
                # which keeps the GIL during the call: releasing a string is a free(), and
                # dropping and retaking the GIL for it costs more, worst with many threads.
                free = ctypes.PyDLL(path).genauth_string_free
                free.argtypes, free.restype = [ctypes.c_void_p], None
            except (OSError, AttributeError) as e:
                failures.append(f"{origin} {path!r}: {e}")
                continue
            global _string_free
            _library, _library_path, _string_free = lib, path, free
            return lib
        if failures:
            detail = "; ".join(failures)
            raise LibraryNotFoundError(f"the libgenauth shared library could not be loaded ({detail})")
        raise LibraryNotFoundError(
            "the libgenauth shared library was not found: set GENAUTH_LIBRARY to its full path "
            "(e.g. target/release/libgenauth.so after `cargo build --release`), reinstall this "
            "package after building the library so that it is bundled, or install it where the "
            "system loader finds it (ctypes.util.find_library('genauth'))"
        )


def library() -> ctypes.CDLL:
    """The loaded library (loaded on first use)."""
    lib = _library
    return lib if lib is not None else _load()


def library_path() -> str:
    """The path (or loader name) of the loaded library; loads it when not yet loaded."""
    library()
    assert _library_path is not None
    return _library_path


def take_string(pointer: Optional[int]) -> str:
    """Reads a string the library returned and releases it (exactly once)."""
    if not pointer:
        # The contract says results are never NULL; report it rather than crash.
        return json.dumps(
            {"ok": False, "error": {"code": "internal", "message": "the library returned NULL"}}
        )
    try:
        return ctypes.string_at(pointer).decode("utf-8", errors="replace")
    finally:
        library()  # loaded (it returned the string), so _string_free is set
        _string_free(pointer)


@overload
def encode_arg(value: Any, name: str, *, optional: Literal[False] = False) -> bytes: ...


@overload
def encode_arg(value: Any, name: str, *, optional: bool) -> Optional[bytes]: ...


def encode_arg(value: Any, name: str, *, optional: bool = False) -> Optional[bytes]:
    """A Python str as a NUL-terminated UTF-8 argument (None stays None when ``optional``).
    Never puts the value into an error."""
    if value is None:
        if optional:
            return None
        raise TypeError(f"{name} is required (a str), got None")
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if "\x00" in value:
        from .errors import ConfigError  # imported only on the way to an error: hot path

        # ctypes would cut the string at the NUL and send a different value.
        raise ConfigError(
            {"code": "invalid_argument", "message": f"`{name}` contains a NUL character"}
        )
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        from .errors import ConfigError

        raise ConfigError(
            {"code": "invalid_utf8", "message": f"`{name}` is not valid Unicode (lone surrogate)"}
        ) from None


def encode_json(document: Dict[str, Any], name: str) -> bytes:
    """A JSON document as an argument (json.dumps escapes NULs, so nothing is cut)."""
    from .errors import ConfigError

    try:
        return json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            {"code": "invalid_utf8", "message": f"`{name}` is not valid Unicode (lone surrogate)"}
        ) from None
    except (TypeError, ValueError) as e:
        # json's messages name types and problems ("Object of type set is not JSON
        # serializable"), never values.
        raise ConfigError(
            {"code": "invalid_config", "message": f"`{name}` cannot be written as JSON: {e}"}
        ) from None


def encode_config(config: Any) -> bytes:
    """A config document (a mapping with the library's keys) as an argument."""
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict (a config document), not {type(config).__name__}")
    return encode_json(dict(config), "config")
