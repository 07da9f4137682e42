"""The asyncio bridge over the library's non-blocking calls (``genauth_*_async``).

One callback object serves the whole process: it is created once and never released, so it is
alive whenever the library calls it, however many calls are in flight. Each call is told apart
by its ``user_data``, a number that keys the entry of the call in ``_pending``: the Future the
awaiting task waits on, its event loop, and how to read the result document.

The callback owns the result document: it copies and releases it (``genauth_string_free``) as
soon as it runs, whatever became of the awaiting task. A cancelled await therefore leaks
nothing: its entry stays until the library's callback lands, which frees the document and drops
the result.
"""

from __future__ import annotations

import atexit
import itertools
import json
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple, TypeVar

from ._handle import Handle
from ._native import CALLBACK, take_string
from .errors import InternalError

__all__ = ["callback", "submit", "pending_calls"]

if TYPE_CHECKING:
    # Imported when an async call is made, not with the package: asyncio is most of the time
    # `import libgenauth` takes, and blocking callers never need it.
    import asyncio

T = TypeVar("T")

#: (event loop, Future, exit deadline, parser of the result document)
_PendingEntry = Tuple[
    "asyncio.AbstractEventLoop", "asyncio.Future[Any]", float, Callable[[str], Any]
]
_pending: Dict[int, _PendingEntry] = {}
_pending_changed = threading.Condition()
_call_ids = itertools.count(1)  # never 0: user_data 0 would be NULL

#: Extra time, past a call's ``timeoutMs``, that the exit hook waits for its callback.
_EXIT_GRACE_S = 2.0


def _resolve(future: "asyncio.Future[Any]", parse: Callable[[str], Any], text: str) -> None:
    """Runs on the Future's event loop: reads the document into the Future."""
    if future.done():  # cancelled while the call was running; the result is dropped
        return
    try:
        future.set_result(parse(text))
    except BaseException as error:  # noqa: B902 - every failure goes to the awaiting task
        future.set_exception(error)


def _on_result(user_data: Optional[int], result: Optional[int]) -> None:
    """The library's callback: runs once per accepted call, on a library thread."""
    try:
        try:
            text = take_string(result)  # the callback owns the result: released here, once
        except BaseException:
            text = json.dumps(
                {"ok": False, "error": {"code": "internal", "message": "unreadable result"}}
            )
        with _pending_changed:
            entry = _pending.pop(user_data or 0, None)
            _pending_changed.notify_all()
        if entry is None:
            return
        loop, future, _, parse = entry
        try:
            loop.call_soon_threadsafe(_resolve, future, parse, text)
        except RuntimeError:
            pass  # the event loop was closed meanwhile: nobody is waiting any more
    except BaseException:
        pass  # an exception must not escape into the library's thread


#: The one C callback of every async call (kept alive for the life of the process).
callback = CALLBACK(_on_result)


def _register(
    loop: asyncio.AbstractEventLoop,
    future: "asyncio.Future[Any]",
    parse: Callable[[str], Any],
    timeout_s: float,
) -> int:
    call_id = next(_call_ids)
    deadline = time.monotonic() + timeout_s + _EXIT_GRACE_S
    with _pending_changed:
        _pending[call_id] = (loop, future, deadline, parse)
    return call_id


def _unregister(call_id: int) -> None:
    with _pending_changed:
        _pending.pop(call_id, None)
        _pending_changed.notify_all()


def pending_calls() -> int:
    """How many accepted async calls have not delivered their callback yet (cancelled awaits
    included)."""
    with _pending_changed:
        return len(_pending)


async def submit(
    handle: Handle,
    start: Callable[[Any, int], int],
    parse: Callable[[str], T],
    timeout_s: float,
) -> T:
    """Starts one non-blocking call and awaits its result.

    ``start(pointer, user_data)`` calls a ``genauth_*_async`` function with the handle's native
    pointer, :data:`callback` and ``user_data``, and returns its status. ``parse`` turns the
    result document into the value returned (or raises its error); it runs on the event loop,
    and not at all when the await was cancelled. ``timeout_s`` bounds how long interpreter exit
    waits for the call.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    future: "asyncio.Future[T]" = loop.create_future()
    # Registered before the call: the callback may run before the call returns.
    call_id = _register(loop, future, parse, timeout_s)
    try:
        pointer = handle._acquire()
        try:
            status = start(pointer, call_id)
        finally:
            # The native object may now be freed (close() meanwhile): the library keeps what
            # an accepted call needs alive.
            handle._release()
    except BaseException:
        _unregister(call_id)
        raise
    if status != 0:
        # -1: no callback, -2: no thread for it. Either way nothing will be called back.
        _unregister(call_id)
        raise InternalError(
            {"code": "internal", "message": f"the library refused the async call ({status})"}
        )
    return await future


def _wait_for_pending_calls() -> None:
    """At exit, lets calls still in flight deliver their callback (at most until their
    deadline) before the interpreter is finalized under the library's threads."""
    with _pending_changed:
        while _pending:
            remaining = max(entry[2] for entry in _pending.values()) - time.monotonic()
            if remaining <= 0:
                return
            _pending_changed.wait(remaining)


atexit.register(_wait_for_pending_calls)
