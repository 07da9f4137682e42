"""The Client (blocking calls) and the one-shot functions."""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Type, TypeVar

from ._handle import Handle
from ._bridge import callback, submit
from ._native import encode_arg, encode_config, encode_json, library, take_string
from ._results import document_or_raise, error_of, member_or_raise, tokens_or_raise
from .errors import InternalError
from .login import (
    AuthorizeRequest,
    authorize_options,
    authorize_request_of,
    callback_args,
    callback_code_of,
)
from .session import Session, TokensLike
from .tokens import Tokens

__all__ = ["Client", "exchange_code", "refresh", "version"]

_DEFAULT_TIMEOUT_MS = 10_000

_C = TypeVar("_C", bound="_ClientBase")


# --- arguments --------------------------------------------------------------------------------


def _exchange_options(code_verifier: Optional[str], nonce: Optional[str]) -> Optional[bytes]:
    options: Dict[str, str] = {}
    if code_verifier is not None:
        encode_arg(code_verifier, "code_verifier")  # type and NUL checks, as without options
        options["codeVerifier"] = code_verifier
    if nonce is not None:
        encode_arg(nonce, "nonce")
        options["nonce"] = nonce
    return encode_json(options, "options") if options else None


def _timeout_seconds(config: Mapping[str, Any]) -> float:
    value = config.get("timeoutMs", _DEFAULT_TIMEOUT_MS)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        value = _DEFAULT_TIMEOUT_MS
    return float(value) / 1000.0


# --- the client -------------------------------------------------------------------------------


class _ClientBase(Handle):
    """What :class:`Client` and :class:`~libgenauth.AsyncClient` share: the config, validated
    once, and the native client with its connection pool."""

    _kind = "Client"

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: Optional[str] = None,
        app_host: str,
        redirect_uri: Optional[str] = None,
        token_endpoint_auth_method: Optional[str] = None,
        protocol: Optional[str] = None,
        timeout_ms: Optional[int] = None,
        ca_cert_pem: Optional[str] = None,
        validate_id_token: Optional[bool] = None,
        clock_skew_seconds: Optional[int] = None,
        proxy: Optional[str] = None,
    ) -> None:
        """Validates the config and creates the native client.

        Each keyword is one of the library's config keys; ``None`` leaves the key out, so the
        library's default applies:

        - ``app_id`` (``appId``): the client_id.
        - ``app_secret`` (``appSecret``): the client secret; not for public clients.
        - ``app_host`` (``appHost``): e.g. ``"https://your-app.genauth.ai"``; ``http://`` only
          for loopback hosts.
        - ``redirect_uri`` (``redirectUri``): the login's redirect URI; needed for logins and
          code exchanges.
        - ``token_endpoint_auth_method`` (``tokenEndPointAuthMethod``):
          ``"client_secret_post"`` (default), ``"client_secret_basic"`` or ``"none"`` (public
          clients, with PKCE).
        - ``protocol``: ``"oidc"`` (default) or ``"oauth"``.
        - ``timeout_ms`` (``timeoutMs``): the deadline of a whole call, 1 to 300000 (10000).
        - ``ca_cert_pem`` (``caCertPem``): extra trusted root certificates, PEM.
        - ``validate_id_token`` (``validateIdToken``): verify every id_token (default True).
        - ``clock_skew_seconds`` (``clockSkewSeconds``): leeway for exp/iat/nbf, 0 to 600 (60).
        - ``proxy``: ``"none"`` or an ``http://``/``https://`` proxy URL for https hosts.

        Raises :class:`ConfigError` (``invalid_config``) for a missing, unknown or malformed key.
        """
        options = {
            "appId": app_id,
            "appSecret": app_secret,
            "appHost": app_host,
            "redirectUri": redirect_uri,
            "tokenEndPointAuthMethod": token_endpoint_auth_method,
            "protocol": protocol,
            "timeoutMs": timeout_ms,
            "caCertPem": ca_cert_pem,
            "validateIdToken": validate_id_token,
            "clockSkewSeconds": clock_skew_seconds,
            "proxy": proxy,
        }
        self._open({key: value for key, value in options.items() if value is not None})

    @classmethod
    def from_config(cls: Type[_C], config: Mapping[str, Any]) -> _C:
        """A client from a config document with the library's keys (``appId``, ``appHost``...).
        Raises :class:`ConfigError` (``invalid_config``) for a missing, unknown or malformed
        key."""
        client = cls.__new__(cls)
        client._open(config)
        return client

    def _open(self, config: Mapping[str, Any]) -> None:
        self._init_handle()
        document = encode_config(config)
        self._timeout_s = _timeout_seconds(config)
        app_id, app_host = config.get("appId"), config.get("appHost")
        self._label = f"app_id={app_id!r}, app_host={app_host!r}"

        lib = library()
        error = ctypes.c_void_p()
        pointer = lib.genauth_client_new(document, ctypes.byref(error))
        if not pointer:
            if error.value:
                raise error_of(take_string(error.value))
            raise InternalError(
                {"code": "internal", "message": "genauth_client_new failed without an error"}
            )
        if error.value:  # not expected on success, but never leak it
            take_string(error.value)
        self._adopt(pointer)

    def _free_pointer(self, pointer: Any) -> None:
        library().genauth_client_free(pointer)

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<libgenauth.{type(self).__name__} {getattr(self, '_label', '')}{state}>"

    # --- the loopback login's plumbing

    def _login_loopback(
        self,
        on_url: Optional[Callable[[str], None]],
        scope: Optional[str],
        prompt: Optional[str],
        extra_params: Optional[Mapping[str, str]],
        port: int,
        timeout_seconds: int,
    ) -> Tokens:
        from ._native import URL_CALLBACK

        options: Dict[str, Any] = {"port": int(port), "timeoutSeconds": int(timeout_seconds)}
        if scope is not None:
            options["scope"] = scope
        if prompt is not None:
            options["prompt"] = prompt
        if extra_params is not None:
            options["extraParams"] = dict(extra_params)
        failure: List[BaseException] = []

        def deliver(_user_data: Any, url: Optional[bytes]) -> None:
            try:
                if on_url is not None:
                    on_url((url or b"").decode("utf-8"))
            except BaseException as e:  # noqa: BLE001 - re-raised after the call
                failure.append(e)

        c_function = URL_CALLBACK(deliver) if on_url is not None else URL_CALLBACK()
        text = self._call(
            library().genauth_client_login_loopback,
            encode_json(options, "options"),
            c_function,
            None,
        )
        if failure:
            raise failure[0]
        return tokens_or_raise(text)


class Client(_ClientBase):
    """A long-lived client: the config is validated once and the client keeps its own
    connection pool. Use it as a context manager (``with`` or ``async with``), or call
    :meth:`close`.

    A client is safe to share between threads. The blocking methods release the GIL while the
    request runs (ctypes does), so calls from several threads proceed in parallel. ``close()``
    while other threads are calling is safe: running calls complete, later ones raise
    ``ValueError``. For asyncio code, :class:`~libgenauth.AsyncClient` has every call as a
    coroutine.
    """

    def _blocking(self, function: Callable[..., Optional[int]], *args: Optional[bytes]) -> Tokens:
        return tokens_or_raise(self._call(function, *args))

    # --- login

    def build_authorize_url(
        self,
        scope: Optional[str] = None,
        prompt: Optional[str] = None,
        extra_params: Optional[Mapping[str, str]] = None,
    ) -> AuthorizeRequest:
        """Builds the URL that starts a login, with a fresh ``state``, ``nonce`` and S256 PKCE
        pair; keep the returned request until the callback (:meth:`exchange_callback`).

        ``scope`` defaults to ``"openid profile"``; ``offline_access`` in it adds
        ``prompt=consent`` (GenAuth issues no refresh token without it), so ``prompt="none"``
        with it is a :class:`ConfigError` (``invalid_argument``), as is an ``extra_params`` key
        the library sets itself. The config needs ``redirect_uri``. The URL is the authorization
        endpoint of the client's discovery document, fetched on first use (within
        ``timeout_ms``); a document that does not belong to ``app_host`` raises
        :class:`CallbackError` (``issuer_mismatch``) or :class:`ProviderError`.
        """
        options = authorize_options(scope, prompt, extra_params)
        return authorize_request_of(self._call(library().genauth_client_authorize_url, options))

    def parse_callback(self, callback_url: str, expected_state: str) -> str:
        """Checks the full URL the browser came back to and returns its authorization code.

        ``expected_state`` is the login request's ``state``. The URL must be the config's
        ``redirect_uri`` (scheme, host, port and path). Raises :class:`CallbackError`
        (``state_mismatch`` — also for an ``error=`` callback without this login's state —,
        ``issuer_mismatch``, also when the provider's discovery says it always sends ``iss`` and
        the callback has none), :class:`OAuthError` when the callback carries the provider's
        ``error=`` (e.g. ``access_denied``, with ``http_status`` ``None``), and
        :class:`ConfigError` (``invalid_argument``) when it is not the redirect URI, carries no
        code or is not a URL, or when ``expected_state`` is empty. May fetch discovery once.
        """
        url, state = callback_args(callback_url, expected_state)
        return callback_code_of(self._call(library().genauth_client_parse_callback, url, state))

    def exchange_callback(self, callback_url: str, request: AuthorizeRequest) -> Tokens:
        """Finishes a login: :meth:`parse_callback` with the request's ``state``, then
        :meth:`exchange_code` with its ``code_verifier`` and ``nonce``."""
        if not isinstance(request, AuthorizeRequest):
            raise TypeError(f"request must be an AuthorizeRequest, not {type(request).__name__}")
        code = self.parse_callback(callback_url, request.state)
        return self.exchange_code(code, code_verifier=request.code_verifier, nonce=request.nonce)

    # --- blocking calls

    def exchange_code(
        self, code: str, code_verifier: Optional[str] = None, nonce: Optional[str] = None
    ) -> Tokens:
        """Exchanges the ``code`` of a login callback for tokens.

        ``code_verifier`` is the login's PKCE verifier (None without PKCE); ``nonce`` the nonce
        the login request carried, which the id_token must then carry too. A code is single-use:
        nothing is retried. Blocks until the reply or the timeout (GIL released).
        """
        lib = library()
        code_arg = encode_arg(code, "code")
        if nonce is None:
            verifier = encode_arg(code_verifier, "code_verifier", optional=True)
            return self._blocking(lib.genauth_client_exchange_code, code_arg, verifier)
        options = _exchange_options(code_verifier, nonce)
        return self._blocking(lib.genauth_client_exchange_code_with, code_arg, options)

    def refresh(self, refresh_token: str) -> Tokens:
        """Exchanges a refresh token for fresh tokens. The provider may rotate it: store the
        ``refresh_token`` of the result and use that one next time."""
        token = encode_arg(refresh_token, "refresh_token")
        return self._blocking(library().genauth_client_refresh, token)

    def session(self, tokens: TokensLike) -> Session:
        """A :class:`Session` seeded with ``tokens`` (:class:`Tokens`, a ``tokens`` dict or a
        whole result document, or either as a JSON string): it hands out tokens that are still
        valid and refreshes them through this client, one refresh at a time."""
        return Session(self, tokens)

    def revoke(self, token: str, token_type_hint: Optional[str] = None) -> None:
        """Revokes a token at the provider (RFC 7009). ``token_type_hint`` is ``None``,
        ``"access_token"`` or ``"refresh_token"``.

        Revoking a refresh token ends the grant: it stops working, and so may the tokens issued
        with it. A token the provider does not know is no error (RFC 7009); another hint is a
        :class:`ConfigError` (``invalid_argument``).
        """
        token_arg = encode_arg(token, "token")
        hint = encode_arg(token_type_hint, "token_type_hint", optional=True)
        document_or_raise(self._call(library().genauth_client_revoke, token_arg, hint))

    def introspect(self, token: str) -> Dict[str, Any]:
        """Asks the provider about a token (RFC 7662): the introspection response, whose
        ``active`` says whether the token is usable. A revoked or expired token is
        ``{"active": False, ...}``, not an error."""
        token_arg = encode_arg(token, "token")
        text = self._call(library().genauth_client_introspect, token_arg)
        return member_or_raise(text, "introspection")

    def userinfo(self, access_token: str) -> Dict[str, Any]:
        """The user's claims from the provider's userinfo endpoint (``sub`` and the claims of
        the granted scopes). An expired or revoked token raises :class:`OAuthError` or
        :class:`ProviderError` (``http_status`` 401)."""
        token_arg = encode_arg(access_token, "access_token")
        text = self._call(library().genauth_client_userinfo, token_arg)
        return member_or_raise(text, "userinfo")

    # --- more grants and URLs

    def client_credentials(self, scope: Optional[str] = None) -> Tokens:
        """Tokens for the client itself (``client_credentials``: machine to machine, no user,
        no id_token). A public client raises :class:`ConfigError` (``invalid_config``)."""
        options = _scope_options(scope)
        return tokens_or_raise(self._call(library().genauth_client_credentials, options))

    def logout_url(
        self,
        id_token_hint: Optional[str] = None,
        post_logout_redirect_uri: Optional[str] = None,
        state: Optional[str] = None,
    ) -> str:
        """The URL that signs the user out at the provider (RP-Initiated Logout 1.0): the
        discovered ``end_session_endpoint``, else ``{app_host}/{protocol}/session/end``."""
        options = _logout_options(id_token_hint, post_logout_redirect_uri, state)
        return _logout_url_of(self._call(library().genauth_client_logout_url, options))

    def device_start(self, scope: Optional[str] = None) -> Dict[str, Any]:
        """Starts a device authorization (RFC 8628): ``device_code``, ``user_code``,
        ``verification_uri`` (and maybe ``verification_uri_complete``), ``expires_in``,
        ``interval``. Show the user the code and the URI, then :meth:`device_poll`."""
        options = _scope_options(scope)
        return _device_of(self._call(library().genauth_client_device_start, options))

    def device_poll(self, device_code: str, max_wait_seconds: int = 60) -> Tokens:
        """Waits for the user to approve the device, polling at the provider's interval.
        Raises :class:`PendingError` (``authorization_pending``) when ``max_wait_seconds``
        end first (poll again), :class:`OAuthError` (``access_denied``, ``expired_token``)
        when the provider ends it. Blocks (GIL released)."""
        code, wait = _device_poll_args(device_code, max_wait_seconds)
        return tokens_or_raise(self._call(library().genauth_client_device_poll, code, wait))

    def login_loopback(
        self,
        on_url: Optional[Callable[[str], None]] = None,
        scope: Optional[str] = None,
        prompt: Optional[str] = None,
        extra_params: Optional[Mapping[str, str]] = None,
        port: int = 0,
        timeout_seconds: int = 300,
    ) -> Tokens:
        """A whole login for a desktop or command-line app (RFC 8252): listens on 127.0.0.1
        (``port``, 0 for any free one), hands the login URL to ``on_url`` (``None``: opens the
        system browser), waits up to ``timeout_seconds`` for the browser's callback, checks it,
        exchanges the code with PKCE and returns the verified tokens. Raises
        :class:`LoginError` (``login_timeout``, ``browser_failed``), :class:`CallbackError`
        (``state_mismatch``) and the exchange's errors. ``on_url`` must return at once (the
        browser opens the page on its own). Blocks (GIL released while waiting); from asyncio,
        run it on a thread (``await asyncio.to_thread(client.login_loopback, ...)``), where
        ``on_url`` then runs too."""
        return self._login_loopback(on_url, scope, prompt, extra_params, port, timeout_seconds)

    # --- asyncio (AsyncClient has every call)

    async def exchange_code_async(
        self, code: str, code_verifier: Optional[str] = None, nonce: Optional[str] = None
    ) -> Tokens:
        """:meth:`exchange_code` without blocking the event loop (the library's callback API);
        :meth:`AsyncClient.exchange_code` is the same."""
        code_arg = encode_arg(code, "code")
        options = _exchange_options(code_verifier, nonce)
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_exchange_code_async(
                pointer, code_arg, options, callback, call_id
            ),
            tokens_or_raise,
            self._timeout_s,
        )

    async def refresh_async(self, refresh_token: str) -> Tokens:
        """:meth:`refresh` without blocking the event loop (the library's callback API);
        :meth:`AsyncClient.refresh` is the same."""
        token = encode_arg(refresh_token, "refresh_token")
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_refresh_async(
                pointer, token, callback, call_id
            ),
            tokens_or_raise,
            self._timeout_s,
        )


def _scope_options(scope: Optional[str]) -> Optional[bytes]:
    if scope is None:
        return None
    if not isinstance(scope, str):
        raise TypeError(f"scope must be a str, not {type(scope).__name__}")
    return encode_json({"scope": scope}, "options")


def _device_poll_args(device_code: str, max_wait_seconds: int) -> Tuple[bytes, int]:
    """The device code as a C argument and the wait clamped to the C type (uint32_t)."""
    code = encode_arg(device_code, "device_code")
    return code, max(0, min(int(max_wait_seconds), 0xFFFFFFFF))


def _logout_url_of(text: str) -> str:
    return str(member_or_raise(text, "logout")["url"])


def _device_of(text: str) -> Dict[str, Any]:
    return member_or_raise(text, "device")


def _logout_options(
    id_token_hint: Optional[str], post_logout_redirect_uri: Optional[str], state: Optional[str]
) -> bytes:
    options: Dict[str, str] = {}
    for key, value in (
        ("idTokenHint", id_token_hint),
        ("postLogoutRedirectUri", post_logout_redirect_uri),
        ("state", state),
    ):
        if value is not None:
            if not isinstance(value, str):
                raise TypeError(f"{key} must be a str, not {type(value).__name__}")
            options[key] = value
    return encode_json(options, "options")


# --- one-shot calls ---------------------------------------------------------------------------


def exchange_code(
    config: Mapping[str, Any], code: str, code_verifier: Optional[str] = None
) -> Tokens:
    """One-shot code exchange with a config document (``{"appId": ..., "appHost": ...}``).

    Connections are pooled process-wide between one-shot calls. Blocks (GIL released).
    """
    document = encode_config(config)
    code_arg = encode_arg(code, "code")
    verifier = encode_arg(code_verifier, "code_verifier", optional=True)
    lib = library()
    return tokens_or_raise(take_string(lib.genauth_exchange_code(document, code_arg, verifier)))


def refresh(config: Mapping[str, Any], refresh_token: str) -> Tokens:
    """One-shot refresh with a config document. Blocks (GIL released)."""
    document = encode_config(config)
    token = encode_arg(refresh_token, "refresh_token")
    lib = library()
    return tokens_or_raise(take_string(lib.genauth_refresh(document, token)))


#: Every log function ever registered: the library may still be delivering a message to a
#: replaced one on another thread, so none is ever released.
_log_functions: List[Any] = []


def set_log_callback(
    function: Optional[Callable[[int, str], None]], max_level: int = 4
) -> None:
    """Sends the library's log messages up to ``max_level`` (1 error, 2 warn, 3 info, 4 debug:
    each HTTP exchange, 5 trace) to ``function(level, message)``; ``None`` turns logging off.

    One sink for the whole process. Messages are one line each and already redacted (no
    secret, code, verifier or token). ``function`` runs on the thread that logs, possibly
    several at once, and must return quickly; an exception it raises is ignored.
    """
    from ._native import LOG_CALLBACK

    lib = library()
    if function is None:
        lib.genauth_set_log_callback(LOG_CALLBACK(), None, 0)
        return
    if not callable(function):
        raise TypeError(f"function must be callable, not {type(function).__name__}")
    level = max(0, min(int(max_level), 5))

    def deliver(_user_data: Any, msg_level: int, message: Optional[bytes]) -> None:
        try:
            function(int(msg_level), (message or b"").decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - a log sink must not break the call that logs
            pass

    c_function = LOG_CALLBACK(deliver)
    _log_functions.append(c_function)
    lib.genauth_set_log_callback(c_function, None, level)


def version() -> str:
    """The native library's version, e.g. ``"0.1.0"``."""
    raw = library().genauth_version()
    return raw.decode("utf-8") if raw else ""

