"""A native object owned by a Python object, kept alive while calls use it."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Callable, Optional, Type, TypeVar

from ._native import take_string

__all__ = ["Handle"]

_H = TypeVar("_H", bound="Handle")


class Handle:
    """Owns one native pointer, released exactly once by :meth:`close` (or the garbage
    collector).

    Every call takes the pointer with :meth:`_acquire` and gives it back with :meth:`_release`;
    the pointer is freed by whichever comes last, ``close()`` or the last running call. So
    ``close()`` while other threads are inside a call is safe: running calls complete, later
    ones raise ``ValueError``. ``with`` and ``async with`` call ``close()`` on exit.

    Subclasses call :meth:`_init_handle` first, :meth:`_adopt` once the native object exists,
    and implement :meth:`_free_pointer`.
    """

    #: How the object is named in the ``ValueError`` of a call after ``close()``.
    _kind = "object"

    def _init_handle(self) -> None:
        self._ptr: Any = None
        self._lock = threading.Lock()
        self._users = 0
        self._closed = True

    def _adopt(self, pointer: Any) -> None:
        with self._lock:
            self._ptr = pointer
            self._closed = False

    def _free_pointer(self, pointer: Any) -> None:
        raise NotImplementedError

    def _acquire(self) -> Any:
        with self._lock:
            if self._closed:
                raise ValueError(f"the libgenauth {self._kind} is closed")
            self._users += 1
            return self._ptr

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._closed and self._users == 0:
                self._free_locked()

    def _free_locked(self) -> None:
        pointer, self._ptr = self._ptr, None
        if pointer:
            self._free_pointer(pointer)

    def _call(self, function: Callable[..., Optional[int]], *args: Any) -> str:
        """Calls ``function(pointer, *args)`` and returns the result document it returned
        (released here, once)."""
        pointer = self._acquire()
        try:
            result = function(pointer, *args)
        finally:
            self._release()
        return take_string(result)

    def close(self) -> None:
        """Releases the native object. Calls already running complete normally; later calls
        raise ``ValueError``. Closing twice is a no-op."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # the constructor failed before the handle existed
            return
        with lock:
            if self._closed:
                return
            self._closed = True
            if self._users == 0:
                self._free_locked()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or the constructor failed)."""
        return getattr(self, "_closed", True)

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    async def __aenter__(self: _H) -> _H:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        # close() never waits for the network: calls in flight keep what they need alive.
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
