"""asyncio: :class:`AsyncClient`, every network call of :class:`~libgenauth.Client` as a
coroutine, over the library's non-blocking calls (``genauth_client_*_async``).

No thread of this package runs a request: the library runs it on its own threads and hands the
result document to the awaiting task through ``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from ._bridge import callback, submit
from ._native import encode_arg, library
from ._results import document_or_raise, member_or_raise, tokens_or_raise
from .client import (
    _ClientBase,
    _device_of,
    _device_poll_args,
    _exchange_options,
    _logout_options,
    _logout_url_of,
    _scope_options,
)
from .login import (
    AuthorizeRequest,
    authorize_options,
    authorize_request_of,
    callback_args,
    callback_code_of,
)
from .session import AsyncSession, TokensLike
from .tokens import Tokens

__all__ = ["AsyncClient"]


def _introspection_of(text: str) -> Dict[str, Any]:
    return member_or_raise(text, "introspection")


def _userinfo_of(text: str) -> Dict[str, Any]:
    return member_or_raise(text, "userinfo")


def _nothing_of(text: str) -> None:
    document_or_raise(text)


class AsyncClient(_ClientBase):
    """A long-lived client for asyncio code: the same config and connection pool as
    :class:`~libgenauth.Client`, with every network call a coroutine that never blocks the
    event loop.

    Use it as ``async with AsyncClient(...) as client:`` (or ``with``), or call :meth:`close`;
    closing never waits for the network, and calls in flight complete. A client may be shared
    between tasks, event loops and threads.

    Cancelling an awaiting task does not stop the request: the library completes it, releases
    its result and the result is dropped. A refresh that rotates the refresh token is then
    lost with it: let :meth:`session` refresh instead (a session stores what it got even when
    its awaiting task was cancelled). Every call ends within the config's ``timeout_ms``.
    """

    _kind = "AsyncClient"

    # --- login

    async def build_authorize_url(
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
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_authorize_url_async(
                pointer, options, callback, call_id
            ),
            authorize_request_of,
            self._timeout_s,
        )

    async def parse_callback(self, callback_url: str, expected_state: str) -> str:
        """Checks the full URL the browser came back to and returns its authorization code.

        ``expected_state`` is the login request's ``state``. The URL must be the config's
        ``redirect_uri`` (scheme, host, port and path). Raises :class:`CallbackError`
        (``state_mismatch``, ``issuer_mismatch``), :class:`OAuthError` for a callback carrying
        the provider's ``error=`` (e.g. ``access_denied``, ``http_status`` ``None``) and
        :class:`ConfigError` (``invalid_argument``) for a URL that is not the redirect URI, has
        no code or is no URL, or an empty ``expected_state``. May fetch discovery once.
        """
        url, state = callback_args(callback_url, expected_state)
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_parse_callback_async(
                pointer, url, state, callback, call_id
            ),
            callback_code_of,
            self._timeout_s,
        )

    async def exchange_callback(self, callback_url: str, request: AuthorizeRequest) -> Tokens:
        """Finishes a login: :meth:`parse_callback` with the request's ``state``, then
        :meth:`exchange_code` with its ``code_verifier`` and ``nonce``."""
        if not isinstance(request, AuthorizeRequest):
            raise TypeError(f"request must be an AuthorizeRequest, not {type(request).__name__}")
        code = await self.parse_callback(callback_url, request.state)
        return await self.exchange_code(
            code, code_verifier=request.code_verifier, nonce=request.nonce
        )

    # --- tokens

    async def exchange_code(
        self, code: str, code_verifier: Optional[str] = None, nonce: Optional[str] = None
    ) -> Tokens:
        """Exchanges the ``code`` of a login callback for tokens.

        ``code_verifier`` is the login's PKCE verifier (None without PKCE); ``nonce`` the nonce
        the login request carried, which the id_token must then carry too. A code is single-use:
        nothing is retried.
        """
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

    async def refresh(self, refresh_token: str) -> Tokens:
        """Exchanges a refresh token for fresh tokens. The provider may rotate it: store the
        ``refresh_token`` of the result and use that one next time (or let :meth:`session` do
        it)."""
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

    def session(self, tokens: TokensLike) -> AsyncSession:
        """An :class:`AsyncSession` seeded with ``tokens`` (:class:`Tokens`, a ``tokens`` dict
        or a whole result document, or either as a JSON string): its ``await fresh_tokens()``
        hands out tokens that are still valid and refreshes them through this client, one
        refresh at a time however many tasks ask. Making it does no network call."""
        return AsyncSession(self, tokens)

    # --- revocation, introspection, userinfo

    async def revoke(self, token: str, token_type_hint: Optional[str] = None) -> None:
        """Revokes a token at the provider (RFC 7009). ``token_type_hint`` is ``None``,
        ``"access_token"`` or ``"refresh_token"``.

        Revoking a refresh token ends the grant: it stops working, and so may the tokens issued
        with it. A token the provider does not know is no error (RFC 7009); another hint is a
        :class:`ConfigError` (``invalid_argument``).
        """
        token_arg = encode_arg(token, "token")
        hint = encode_arg(token_type_hint, "token_type_hint", optional=True)
        lib = library()
        await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_revoke_async(
                pointer, token_arg, hint, callback, call_id
            ),
            _nothing_of,
            self._timeout_s,
        )

    async def introspect(self, token: str) -> Dict[str, Any]:
        """Asks the provider about a token (RFC 7662): the introspection response, whose
        ``active`` says whether the token is usable. A revoked or expired token is
        ``{"active": False, ...}``, not an error."""
        token_arg = encode_arg(token, "token")
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_introspect_async(
                pointer, token_arg, callback, call_id
            ),
            _introspection_of,
            self._timeout_s,
        )

    async def userinfo(self, access_token: str) -> Dict[str, Any]:
        """The user's claims from the provider's userinfo endpoint (``sub`` and the claims of
        the granted scopes). An expired or revoked token raises :class:`OAuthError` or
        :class:`ProviderError` (``http_status`` 401)."""
        token_arg = encode_arg(access_token, "access_token")
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_userinfo_async(
                pointer, token_arg, callback, call_id
            ),
            _userinfo_of,
            self._timeout_s,
        )

    # --- more grants and URLs

    async def client_credentials(self, scope: Optional[str] = None) -> Tokens:
        """Tokens for the client itself (``client_credentials``); see
        :meth:`Client.client_credentials`."""
        options = _scope_options(scope)
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_credentials_async(
                pointer, options, callback, call_id
            ),
            tokens_or_raise,
            self._timeout_s,
        )

    async def logout_url(
        self,
        id_token_hint: Optional[str] = None,
        post_logout_redirect_uri: Optional[str] = None,
        state: Optional[str] = None,
    ) -> str:
        """The URL that signs the user out at the provider; see :meth:`Client.logout_url`. May
        fetch discovery once (within ``timeout_ms``)."""
        options = _logout_options(id_token_hint, post_logout_redirect_uri, state)
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_logout_url_async(
                pointer, options, callback, call_id
            ),
            _logout_url_of,
            self._timeout_s,
        )

    async def device_start(self, scope: Optional[str] = None) -> Dict[str, Any]:
        """Starts a device authorization (RFC 8628); see :meth:`Client.device_start`. Show the
        user the code and the URI, then :meth:`device_poll`."""
        options = _scope_options(scope)
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_device_start_async(
                pointer, options, callback, call_id
            ),
            _device_of,
            self._timeout_s,
        )

    async def device_poll(self, device_code: str, max_wait_seconds: int = 60) -> Tokens:
        """Waits for the user to approve the device, polling at the provider's interval; see
        :meth:`Client.device_poll`. No thread waits meanwhile: the library polls on its own
        and the await ends after at most ``max_wait_seconds`` plus one poll."""
        code, wait = _device_poll_args(device_code, max_wait_seconds)
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_client_device_poll_async(
                pointer, code, wait, callback, call_id
            ),
            tokens_or_raise,
            self._timeout_s + wait,
        )
