"""The start and the end of a login: the authorize URL and the callback the browser comes back to.

Both are local computations of the library (no network call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from ._native import encode_arg, encode_config, encode_json, library, take_string
from ._results import member_or_raise
from .errors import ConfigError, InternalError

__all__ = ["AuthorizeRequest", "build_authorize_url", "parse_callback"]

_FIELDS = ("url", "state", "nonce", "code_verifier")


@dataclass(frozen=True, repr=False)
class AuthorizeRequest:
    """A login request: the URL to send the browser to, and what to keep until its callback.

    Attributes:
        url: the provider's authorize URL with every parameter (``state``, ``nonce`` and the
            S256 ``code_challenge`` included): redirect the browser there.
        state: the value the callback must carry back (checked by ``parse_callback``).
        nonce: the value the id_token must carry (checked by the exchange).
        code_verifier: the PKCE secret that proves the exchange comes from this login. Keep it
            on the server side (e.g. in the server-side session), never in the URL or a log.

    ``repr()`` masks ``code_verifier``. :meth:`to_dict` and :meth:`from_dict` carry the request
    across the redirect (e.g. through a server-side session store).
    """

    url: str
    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AuthorizeRequest":
        """Reads back what :meth:`to_dict` wrote (the library's ``authorize`` object)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"an AuthorizeRequest is read from a dict, not {type(data).__name__}")
        values = {}
        for name in _FIELDS:
            value = data.get(name)
            if not isinstance(value, str):
                raise TypeError(f"`{name}` must be a str, not {type(value).__name__}")
            values[name] = value
        return cls(**values)

    def to_dict(self) -> Dict[str, str]:
        """``{"url", "state", "nonce", "code_verifier"}``; it holds the PKCE secret."""
        return {name: getattr(self, name) for name in _FIELDS}

    def __repr__(self) -> str:
        return (
            f"AuthorizeRequest(url={self.url!r}, state={self.state!r}, nonce={self.nonce!r}, "
            "code_verifier='***')"
        )


def authorize_options(
    scope: Optional[str], prompt: Optional[str], extra_params: Optional[Mapping[str, str]]
) -> Optional[bytes]:
    """The ``options_json`` of ``genauth_build_authorize_url`` (None: the library's defaults)."""
    options: Dict[str, Any] = {}
    if scope is not None:
        encode_arg(scope, "scope")  # type and NUL checks, as for every str argument
        options["scope"] = scope
    if prompt is not None:
        encode_arg(prompt, "prompt")
        options["prompt"] = prompt
    if extra_params is not None:
        if not isinstance(extra_params, Mapping):
            raise TypeError(
                f"extra_params must be a dict of str to str, not {type(extra_params).__name__}"
            )
        params: Dict[str, str] = {}
        for key, value in extra_params.items():
            if not isinstance(key, str):
                raise TypeError(f"extra_params keys must be str, not {type(key).__name__}")
            encode_arg(key, "extra_params key")
            encode_arg(value, f"extra_params[{key!r}]")
            params[key] = value
        options["extraParams"] = params
    return encode_json(options, "options") if options else None


def build_authorize_url_with(config_json: bytes, options: Optional[bytes]) -> AuthorizeRequest:
    return authorize_request_of(take_string(library().genauth_build_authorize_url(config_json, options)))


def authorize_request_of(text: str) -> AuthorizeRequest:
    """The :class:`AuthorizeRequest` of an ``{"ok": true, "authorize": ...}`` document."""
    authorize = member_or_raise(text, "authorize")
    try:
        return AuthorizeRequest.from_dict(authorize)
    except TypeError:
        raise InternalError(
            {"code": "internal", "message": "the library's `authorize` object is incomplete"}
        ) from None


def parse_callback_with(config_json: bytes, callback_url: str, expected_state: str) -> str:
    url, state = callback_args(callback_url, expected_state)
    return callback_code_of(take_string(library().genauth_parse_callback(config_json, url, state)))


def callback_args(callback_url: str, expected_state: str) -> Tuple[bytes, bytes]:
    """The encoded arguments of a callback check; an empty state is refused here already."""
    url = encode_arg(callback_url, "callback_url")
    state = encode_arg(expected_state, "expected_state")
    if not expected_state:
        # An empty expected state would accept a forged callback carrying `state=` (e.g. when
        # the app lost the login's stored request). The library never makes an empty state.
        raise ConfigError(
            {
                "code": "invalid_argument",
                "message": "`expected_state` is empty: pass the state of this login's request",
            }
        )
    return url, state


def callback_code_of(text: str) -> str:
    """The code of an ``{"ok": true, "callback": ...}`` document."""
    code = member_or_raise(text, "callback").get("code")
    if not isinstance(code, str):
        raise InternalError(
            {"code": "internal", "message": "the library's `callback` object has no code"}
        )
    return code


def build_authorize_url(
    config: Mapping[str, Any],
    scope: Optional[str] = None,
    prompt: Optional[str] = None,
    extra_params: Optional[Mapping[str, str]] = None,
) -> AuthorizeRequest:
    """Builds the URL that starts a login, with a fresh ``state``, ``nonce`` and S256 PKCE pair.

    ``config`` is a config document (``redirectUri`` is required). ``scope`` defaults to
    ``"openid profile"``; ``offline_access`` in it adds ``prompt=consent`` (GenAuth issues no
    refresh token without it), so ``prompt="none"`` with it is a :class:`ConfigError`
    (``invalid_argument``), as is an ``extra_params`` key the library sets itself (``state``,
    ``nonce``, ``redirect_uri``...). No network call is made. :meth:`Client.build_authorize_url`
    is the same with a client's config.
    """
    document = encode_config(config)
    options = authorize_options(scope, prompt, extra_params)
    return build_authorize_url_with(document, options)


def parse_callback(config: Mapping[str, Any], callback_url: str, expected_state: str) -> str:
    """Checks the full URL the browser came back to and returns its authorization code.

    ``expected_state`` is the ``state`` of the login's :class:`AuthorizeRequest`. Raises
    :class:`CallbackError` (``state_mismatch``, ``issuer_mismatch``), :class:`OAuthError` for a
    callback carrying the provider's ``error=`` (e.g. ``access_denied``; ``http_status`` is
    ``None``) and :class:`ConfigError` (``invalid_argument``) for a URL without a code or an
    empty ``expected_state``. No network call is made. :meth:`Client.parse_callback` is the
    same with a client's config.
    """
    return parse_callback_with(encode_config(config), callback_url, expected_state)
