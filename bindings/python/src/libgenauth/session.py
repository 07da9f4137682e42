"""Always-fresh tokens: a session holds one token document and refreshes it when needed.

:class:`Session` blocks while a refresh runs; :class:`AsyncSession` awaits it instead.
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Any, Mapping, Union

from ._bridge import callback, submit
from ._handle import Handle
from ._native import encode_arg, encode_json, library, take_string
from ._results import error_of, tokens_or_raise
from .errors import InternalError
from .tokens import Tokens

if TYPE_CHECKING:
    from .client import _ClientBase

__all__ = ["Session", "AsyncSession", "TokensLike"]

#: What a session can be seeded with: :class:`Tokens`, a ``tokens`` dict (or a whole result
#: document ``{"ok": true, "tokens": ...}``), or either of those as a JSON string.
TokensLike = Union[Tokens, Mapping[str, Any], str]

_UINT32_MAX = 0xFFFF_FFFF
_DEFAULT_TIMEOUT_S = 10.0


def _tokens_document(tokens: TokensLike) -> bytes:
    if isinstance(tokens, Tokens):
        return encode_json(tokens.to_dict(), "tokens")
    if isinstance(tokens, Mapping):
        return encode_json(dict(tokens), "tokens")
    if isinstance(tokens, str):
        encoded = encode_arg(tokens, "tokens")
        assert encoded is not None
        return encoded
    raise TypeError(
        f"tokens must be Tokens, a dict or a JSON str, not {type(tokens).__name__}"
    )


def _check_min_valid_seconds(min_valid_seconds: int) -> None:
    if isinstance(min_valid_seconds, bool) or not isinstance(min_valid_seconds, int):
        raise TypeError(
            f"min_valid_seconds must be an int, not {type(min_valid_seconds).__name__}"
        )
    if not 0 <= min_valid_seconds <= _UINT32_MAX:
        raise ValueError(f"min_valid_seconds must be between 0 and {_UINT32_MAX}")


class _SessionBase(Handle):
    """What :class:`Session` and :class:`AsyncSession` share: the native session."""

    _kind = "Session"

    def __init__(self, client: "_ClientBase", tokens: TokensLike) -> None:
        """A session of ``client`` seeded with ``tokens``: :class:`Tokens`, a ``tokens`` dict
        (or a whole result document), or either as a JSON string. No network call is made.

        Raises :class:`ConfigError` when ``tokens`` is not a token document, ``TypeError`` for
        another type and ``ValueError`` when the client is closed.
        """
        self._init_handle()
        self._label = getattr(client, "_label", "")
        # How long interpreter exit waits for an async call: waiting for another caller's
        # refresh and then refreshing are each bounded by the client's timeout.
        self._timeout_s = 2 * float(getattr(client, "_timeout_s", _DEFAULT_TIMEOUT_S))
        document = _tokens_document(tokens)
        lib = library()
        error = ctypes.c_void_p()
        client_pointer = client._acquire()
        try:
            pointer = lib.genauth_session_new(client_pointer, document, ctypes.byref(error))
        finally:
            client._release()
        if not pointer:
            if error.value:
                raise error_of(take_string(error.value))
            raise InternalError(
                {"code": "internal", "message": "genauth_session_new failed without an error"}
            )
        if error.value:  # not expected on success, but never leak it
            take_string(error.value)
        self._adopt(pointer)

    def _free_pointer(self, pointer: Any) -> None:
        library().genauth_session_free(pointer)

    @property
    def tokens(self) -> Tokens:
        """The session's current tokens, as they are (no refresh, no network), e.g. to persist
        them: ``client.session(saved)`` takes them back."""
        return tokens_or_raise(self._call(library().genauth_session_tokens))

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<libgenauth.{type(self).__name__} {self._label}{state}>"


class Session(_SessionBase):
    """Hands out tokens that are still valid, refreshing them through the client when needed.

    Made by :meth:`Client.session`. Freshness comes from the tokens' ``expires_at``, else from
    ``expires_in`` counted from the session's creation; tokens with neither count as fresh.

    A session is safe to share between threads: callers of :meth:`fresh_tokens` that arrive
    while a refresh runs wait for it and share its result (error included), so however many
    threads ask, one refresh reaches the provider — which matters when refresh tokens rotate.
    Once the provider has rejected the refresh token (``invalid_grant``), every later call
    raises that error again without calling the provider: the user must sign in again.

    The session keeps what it needs of the client, so it may outlive it. Use it as a context
    manager (``with`` or ``async with``) or call :meth:`close`; ``close()`` while other threads
    are calling is safe.
    """

    def fresh_tokens(self, min_valid_seconds: int = 60) -> Tokens:
        """Tokens with more than ``min_valid_seconds`` of life left, refreshed first when the
        held ones have less.

        Blocks while a refresh runs (GIL released). Raises :class:`SessionError`
        (``no_refresh_token``) when the tokens are stale and there is no refresh token, and the
        refresh's errors otherwise (e.g. :class:`OAuthError` ``invalid_grant``). After a
        refresh, persist :attr:`tokens`: the provider may have rotated the refresh token.
        """
        _check_min_valid_seconds(min_valid_seconds)
        return tokens_or_raise(
            self._call(library().genauth_session_fresh_tokens, min_valid_seconds)
        )


class AsyncSession(_SessionBase):
    """A :class:`Session` for asyncio code: ``await session.fresh_tokens()`` never blocks the
    event loop, also while a refresh runs.

    Made by :meth:`AsyncClient.session` (or ``AsyncSession(client, tokens)`` with either
    client). Tasks (and threads) that ask while a refresh runs share it and its result, error
    included: one refresh reaches the provider however many ask. Cancelling an awaiting task
    does not cancel the refresh: the session still stores the tokens it gets, so a rotated
    refresh token is never lost. Use it as ``async with client.session(tokens) as session:``
    or call :meth:`close`.
    """

    async def fresh_tokens(self, min_valid_seconds: int = 60) -> Tokens:
        """Tokens with more than ``min_valid_seconds`` of life left, refreshed first when the
        held ones have less.

        Raises :class:`SessionError` (``no_refresh_token``) when the tokens are stale and there
        is no refresh token, and the refresh's errors otherwise (e.g. :class:`OAuthError`
        ``invalid_grant``). After a refresh, persist :attr:`tokens`: the provider may have
        rotated the refresh token.
        """
        _check_min_valid_seconds(min_valid_seconds)
        lib = library()
        return await submit(
            self,
            lambda pointer, call_id: lib.genauth_session_fresh_tokens_async(
                pointer, min_valid_seconds, callback, call_id
            ),
            tokens_or_raise,
            self._timeout_s,
        )
