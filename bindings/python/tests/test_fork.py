"""The library across fork(): a child process gets its own runtime, one-shot pools and a copy of
each client created before the fork (src/runtime.rs, src/ffi/client.rs), so calls in the child
give correct results within the timeout and never deadlock, while the parent carries on.

Against the development provider (GENAUTH_DEV_URL). Most tests call the C functions through
plain ctypes (the library the package loads, ``libgenauth.library_path()``), so that what is
tested is the library, not the binding; one uses the package with multiprocessing's 'fork'
start method. Every child is guarded by a parent-side deadline: a child that does not finish in
time is killed and the test fails as a deadlock.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import select
import signal
import threading
import time
import traceback
import warnings
from typing import Any, Callable, Dict, List, Optional

import pytest

import libgenauth

from conftest import REDIRECT_URI, dev_login

#: The deadline of every call (timeoutMs) and the parent's guard on every child.
CALL_TIMEOUT_MS = 10_000
CHILD_DEADLINE_S = 45.0

CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class Native:
    """The C functions this test needs, declared on its own handle to the package's library."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(libgenauth.library_path())
        p, s = ctypes.c_void_p, ctypes.c_char_p
        signatures = {
            "genauth_refresh": ([s, s], p),
            "genauth_exchange_code": ([s, s, s], p),
            "genauth_client_new": ([s, ctypes.POINTER(p)], p),
            "genauth_client_free": ([p], None),
            "genauth_client_refresh": ([p, s], p),
            "genauth_client_exchange_code": ([p, s, s], p),
            "genauth_client_refresh_async": ([p, s, CALLBACK, p], ctypes.c_int32),
            "genauth_session_new": ([p, s, ctypes.POINTER(p)], p),
            "genauth_session_fresh_tokens": ([p, ctypes.c_uint32], p),
            "genauth_session_free": ([p], None),
            "genauth_string_free": ([p], None),
        }
        for name, (argtypes, restype) in signatures.items():
            function = getattr(lib, name)
            function.argtypes = argtypes
            function.restype = restype
        self.lib = lib

    def take(self, pointer: Optional[int]) -> Dict[str, Any]:
        assert pointer, "a result document is never NULL"
        text = ctypes.string_at(pointer).decode("utf-8")
        self.lib.genauth_string_free(pointer)
        return json.loads(text)

    def refresh(self, config: bytes, refresh_token: str) -> Dict[str, Any]:
        return self.take(self.lib.genauth_refresh(config, refresh_token.encode()))

    def client_new(self, config: bytes) -> int:
        error = ctypes.c_void_p()
        client = self.lib.genauth_client_new(config, ctypes.byref(error))
        assert client, self.take(error.value)
        return client

    def client_refresh(self, client: int, refresh_token: str) -> Dict[str, Any]:
        return self.take(self.lib.genauth_client_refresh(client, refresh_token.encode()))

    def client_exchange(self, client: int, code: str) -> Dict[str, Any]:
        return self.take(self.lib.genauth_client_exchange_code(client, code.encode(), None))

    def client_refresh_async(self, client: int, refresh_token: str) -> Dict[str, Any]:
        done = threading.Event()
        box: List[Dict[str, Any]] = []

        def deliver(_user_data: Optional[int], result: Optional[int]) -> None:
            box.append(self.take(result))
            done.set()

        callback = CALLBACK(deliver)  # referenced until the callback ran
        accepted = self.lib.genauth_client_refresh_async(
            client, refresh_token.encode(), callback, None
        )
        assert accepted == 0
        assert done.wait(CALL_TIMEOUT_MS / 1000 + 10), "the callback never ran"
        return box[0]

    def session_new(self, client: int, tokens: Dict[str, Any]) -> int:
        error = ctypes.c_void_p()
        session = self.lib.genauth_session_new(
            client, json.dumps(tokens).encode(), ctypes.byref(error)
        )
        assert session, self.take(error.value)
        return session

    def session_fresh(self, session: int, min_valid_seconds: int) -> Dict[str, Any]:
        return self.take(self.lib.genauth_session_fresh_tokens(session, min_valid_seconds))


def ok_tokens(document: Dict[str, Any]) -> Dict[str, Any]:
    assert document.get("ok") is True, document
    assert document["tokens"]["access_token"], document
    return document["tokens"]


def fork_and_run(work: Callable[[], Any], deadline_s: float = CHILD_DEADLINE_S) -> Any:
    """Runs `work` in a forked child and returns what it returned (JSON). The child reports
    through a pipe and leaves with os._exit; the parent kills it after `deadline_s`."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns when a process with threads forks: that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        status = 0
        try:
            report = {"result": work()}
        except BaseException:  # noqa: BLE001 - everything goes back to the parent
            report = {"error": traceback.format_exc()}
            status = 1
        try:
            os.write(write_end, json.dumps(report).encode())
        finally:
            os._exit(status)
    os.close(write_end)
    started = time.monotonic()
    chunks: List[bytes] = []
    try:
        while True:
            left = deadline_s - (time.monotonic() - started)
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"the child did not finish within {deadline_s} s: a deadlock")
            ready, _, _ = select.select([read_end], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - started > deadline_s:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"the child did not exit within {deadline_s} s")
            time.sleep(0.02)
    finally:
        os.close(read_end)
    report = json.loads(b"".join(chunks) or b"{}")
    assert "error" not in report, report.get("error")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    return report["result"]


@pytest.fixture
def native() -> Native:
    return Native()


@pytest.fixture
def post_config(dev_url: str) -> Dict[str, Any]:
    return {
        "appId": "app-post",
        "appSecret": "app-post-secret",
        "appHost": dev_url,
        "redirectUri": REDIRECT_URI,
        "timeoutMs": CALL_TIMEOUT_MS,
    }


def test_child_calls_with_a_client_made_before_the_fork(
    dev_url: str, native: Native, post_config: Dict[str, Any]
) -> None:
    config = json.dumps(post_config).encode()
    client = native.client_new(config)
    try:
        # The parent has a runtime, a pooled keep-alive connection and cached discovery.
        tokens = ok_tokens(native.client_exchange(client, dev_login(dev_url, "app-post")["code"]))
        refresh_token = tokens["refresh_token"]
        ok_tokens(native.client_refresh(client, refresh_token))
        ok_tokens(native.refresh(config, refresh_token))
        child_code = dev_login(dev_url, "app-post")["code"]

        def child() -> Dict[str, Any]:
            return {
                "client_refresh": native.client_refresh(client, refresh_token),
                "one_shot_refresh": native.refresh(config, refresh_token),
                "client_exchange": native.client_exchange(client, child_code),
                "client_refresh_async": native.client_refresh_async(client, refresh_token),
                "pid": os.getpid(),
            }

        result = fork_and_run(child)
        assert result["pid"] != os.getpid()
        for name in ("client_refresh", "one_shot_refresh", "client_exchange", "client_refresh_async"):
            ok_tokens(result[name])
        assert result["client_exchange"]["tokens"]["id_token_claims"]["aud"] == "app-post"

        # The parent's runtime and connections were not disturbed.
        ok_tokens(native.client_refresh(client, refresh_token))
        ok_tokens(native.refresh(config, refresh_token))
        ok_tokens(native.client_refresh_async(client, refresh_token))
    finally:
        native.lib.genauth_client_free(client)


def test_fork_while_parent_threads_are_in_calls(
    dev_url: str, native: Native, post_config: Dict[str, Any]
) -> None:
    """Forks while other threads are inside the library (holding its locks, with sockets in
    flight on its runtime): the child must not inherit a lock it then waits on forever."""
    config = json.dumps(post_config).encode()
    client = native.client_new(config)
    stop = threading.Event()
    outcomes: List[bool] = []

    def keep_calling(one_shot: bool) -> None:
        while not stop.is_set():
            doc = native.refresh(config, refresh_token) if one_shot else native.client_refresh(
                client, refresh_token
            )
            outcomes.append(doc.get("ok") is True)

    try:
        refresh_token = ok_tokens(
            native.client_exchange(client, dev_login(dev_url, "app-post")["code"])
        )["refresh_token"]
        threads = [threading.Thread(target=keep_calling, args=(i % 2 == 0,)) for i in range(4)]
        for t in threads:
            t.start()
        try:
            for _ in range(3):
                time.sleep(0.15)
                result = fork_and_run(
                    lambda: [
                        native.client_refresh(client, refresh_token),
                        native.refresh(config, refresh_token),
                    ]
                )
                for doc in result:
                    ok_tokens(doc)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=CHILD_DEADLINE_S)
        assert outcomes and all(outcomes), f"{outcomes.count(False)} of {len(outcomes)} failed"
    finally:
        native.lib.genauth_client_free(client)


def test_fork_of_a_forked_child(dev_url: str, native: Native, post_config: Dict[str, Any]) -> None:
    """A child that used a pre-fork client forks again: the grandchild must not use the child's
    copy (its connections belong to the child's runtime threads, absent in the grandchild)."""
    config = json.dumps(post_config).encode()
    client = native.client_new(config)
    try:
        refresh_token = ok_tokens(
            native.client_exchange(client, dev_login(dev_url, "app-post")["code"])
        )["refresh_token"]

        def grandchild() -> List[Dict[str, Any]]:
            return [
                native.client_refresh(client, refresh_token),
                native.refresh(config, refresh_token),
            ]

        def child() -> Dict[str, Any]:
            mine = native.client_refresh(client, refresh_token)  # makes the child's copy
            mine_again = native.client_refresh(client, refresh_token)  # and pools a connection
            return {"child": [mine, mine_again], "grandchild": fork_and_run(grandchild, 30.0)}

        result = fork_and_run(child, CHILD_DEADLINE_S + 15)
        for doc in result["child"] + result["grandchild"]:
            ok_tokens(doc)
    finally:
        native.lib.genauth_client_free(client)


def test_child_frees_what_the_parent_made(
    dev_url: str, native: Native, post_config: Dict[str, Any]
) -> None:
    """A child that frees a client and a session made before the fork (a worker's normal
    clean-up) touches nothing the parent still uses: the parent's pooled connection, shared with
    the child through the same sockets and epoll instance, keeps working."""
    config = json.dumps(post_config).encode()
    client = native.client_new(config)
    try:
        tokens = ok_tokens(native.client_exchange(client, dev_login(dev_url, "app-post")["code"]))
        refresh_token = tokens["refresh_token"]
        session = native.session_new(client, tokens)
        ok_tokens(native.client_refresh(client, refresh_token))  # a keep-alive connection

        def child() -> Dict[str, Any]:
            used = native.client_refresh(client, refresh_token)
            native.lib.genauth_session_free(session)
            native.lib.genauth_client_free(client)
            return used

        for _ in range(2):
            ok_tokens(fork_and_run(child))
            # The parent reuses its pooled connection: it must still get its reply.
            for _ in range(3):
                ok_tokens(native.client_refresh(client, refresh_token))
            ok_tokens(native.session_fresh(session, 1_000_000_000))
        native.lib.genauth_session_free(session)
    finally:
        native.lib.genauth_client_free(client)


def test_child_uses_a_session_made_before_the_fork(
    dev_url: str, native: Native, post_config: Dict[str, Any]
) -> None:
    """A session created in the parent and used only in the child (the README: not on both
    sides): its refresh goes through a client of the child, not the parent's connections."""
    config = json.dumps(post_config).encode()
    client = native.client_new(config)
    session = None
    try:
        tokens = ok_tokens(native.client_exchange(client, dev_login(dev_url, "app-post")["code"]))
        session = native.session_new(client, tokens)
        # A refresh in the parent pools a connection in the parent's runtime.
        ok_tokens(native.session_fresh(session, 1_000_000_000))

        def child() -> List[Dict[str, Any]]:
            return [native.session_fresh(session, 1_000_000_000) for _ in range(2)]

        for doc in fork_and_run(child):
            ok_tokens(doc)
    finally:
        if session:
            native.lib.genauth_session_free(session)
        native.lib.genauth_client_free(client)


class SlowTokenServer:
    """A loopback token endpoint that answers every POST after `delay_s`: a refresh that is
    reliably in flight when the test forks."""

    def __init__(self, delay_s: float) -> None:
        import http.server

        delay = delay_s

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("content-length") or 0))
                time.sleep(delay)
                body = json.dumps(
                    {"access_token": f"at-{time.monotonic_ns()}", "expires_in": 3600,
                     "refresh_token": "rt-next", "token_type": "Bearer"}
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_fork_during_a_session_refresh(native: Native) -> None:
    """A thread of the parent is inside a session refresh (holding the session's one-refresh-at-
    a-time lock) when another thread forks. The child's own refresh must not wait for that lock:
    the refresh holding it runs only in the parent."""
    server = SlowTokenServer(delay_s=2.0)
    config = json.dumps(
        {"appId": "app-post", "appSecret": "app-post-secret", "appHost": server.url,
         "validateIdToken": False, "timeoutMs": 5_000}
    ).encode()
    client = native.client_new(config)
    session = native.session_new(client, {"access_token": "at-0", "refresh_token": "rt-0",
                                          "expires_at": int(time.time())})
    try:
        in_parent: List[Dict[str, Any]] = []
        refreshing = threading.Thread(
            target=lambda: in_parent.append(native.session_fresh(session, 60))
        )
        refreshing.start()
        time.sleep(0.5)  # the parent's refresh now waits for the slow reply, holding the lock
        started = time.monotonic()
        child = fork_and_run(lambda: native.session_fresh(session, 60), deadline_s=20.0)
        ok_tokens(child)
        assert time.monotonic() - started < 15
        refreshing.join(CHILD_DEADLINE_S)
        ok_tokens(in_parent[0])
    finally:
        native.lib.genauth_session_free(session)
        native.lib.genauth_client_free(client)
        server.close()


# ---- multiprocessing, 'fork' start method, through the package ------------------------------

_CLIENT: Optional[libgenauth.Client] = None
_CONFIG: Dict[str, Any] = {}


def _refresh_in_worker(refresh_token: str) -> Dict[str, Any]:
    assert _CLIENT is not None
    shared = _CLIENT.refresh(refresh_token)
    one_shot = libgenauth.refresh(_CONFIG, refresh_token)
    return {
        "pid": os.getpid(),
        "shared": shared.access_token,
        "one_shot": one_shot.access_token,
    }


def _process_main(queue: "multiprocessing.Queue[Any]", refresh_token: str) -> None:
    try:
        queue.put(_refresh_in_worker(refresh_token))
    except BaseException:  # noqa: BLE001
        queue.put({"error": traceback.format_exc()})


def test_multiprocessing_fork_start_method(dev_url: str, post_config: Dict[str, Any]) -> None:
    global _CLIENT, _CONFIG
    context = multiprocessing.get_context("fork")
    _CONFIG = post_config
    _CLIENT = libgenauth.Client.from_config(post_config)
    try:
        tokens = _CLIENT.exchange_code(dev_login(dev_url, "app-post")["code"])
        _CLIENT.refresh(tokens.refresh_token)  # the parent's pool holds a connection

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # A Process and a Queue.
            queue = context.Queue()
            process = context.Process(target=_process_main, args=(queue, tokens.refresh_token))
            process.start()
            process.join(CHILD_DEADLINE_S)
            if process.is_alive():
                process.kill()
                process.join()
                pytest.fail("the forked process did not finish: a deadlock")
            assert process.exitcode == 0
            result = queue.get(timeout=5)
            assert "error" not in result, result.get("error")
            assert result["shared"] and result["one_shot"] and result["pid"] != os.getpid()

            # A pool of forked workers, several calls each.
            with context.Pool(2) as pool:
                pending = pool.map_async(_refresh_in_worker, [tokens.refresh_token] * 6)
                try:
                    results = pending.get(timeout=CHILD_DEADLINE_S)
                except multiprocessing.TimeoutError:
                    pool.terminate()
                    pytest.fail("the pool's forked workers did not finish: a deadlock")
        assert len(results) == 6 and all(r["shared"] and r["one_shot"] for r in results)
        assert os.getpid() not in {r["pid"] for r in results}

        # And the parent still works.
        assert _CLIENT.refresh(tokens.refresh_token).access_token
    finally:
        _CLIENT.close()
        _CLIENT = None
