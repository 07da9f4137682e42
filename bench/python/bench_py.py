"""The refresh-token workload through a Python client, for the benchmark.

    --client libgenauth   libgenauth.Client(...).refresh(refresh_token): one Client shared by
                          every thread (it is thread-safe; ctypes releases the GIL per call)
    --client genauth      GenAuth's official SDK: AuthenticationClient(...)
                          .get_new_access_token_by_refresh_token(...), one client shared by every
                          thread, as shipped (requests.request per call: no session, verify=False)
    --client authlib      authlib's OAuth2Session (a requests.Session, so a keep-alive pool)
                          .refresh_token(token_url, refresh_token=...), client_secret_post; one
                          session per thread (a requests.Session is not meant to be shared)

Modes: "full" (first call, warm latency, throughput with N threads) and "cold" (first call
only). --gap-us N adds, in "full", a second latency loop in which the caller busy-works N µs
between calls, as any program does (only the calls are timed). Same command line and one-line JSON output as the other bench programs. Each client's
module is imported only when that client is chosen, so a cold start pays only its own imports.
Every result is checked for an access_token; anything else counts as an error.
"""

import argparse
import json
import resource
import sys
import threading
import time


def make_caller(args):
    """Builds the client (imports included) and returns a zero-argument refresh function and a
    factory for per-thread callers."""
    host = args.app_host.rstrip("/")
    if args.client == "libgenauth":
        import libgenauth

        client = libgenauth.Client(
            app_id=args.client_id,
            app_secret=args.client_secret,
            app_host=host,
            validate_id_token=bool(args.verify),
        )

        def call():
            return client.refresh(args.refresh_token).access_token

        return call, lambda: call

    if args.client == "genauth":
        from genauth import AuthenticationClient

        sdk = AuthenticationClient(
            app_id=args.client_id,
            app_secret=args.client_secret,
            app_host=host,
            protocol="oidc",
            token_endpoint_auth_method="client_secret_post",
        )

        def call():
            data = sdk.get_new_access_token_by_refresh_token(args.refresh_token)
            # The SDK returns the server's dict whatever the status: an error is a dict too.
            if not isinstance(data, dict) or "access_token" not in data:
                raise RuntimeError("no access_token in %r" % (data,))
            return data["access_token"]

        return call, lambda: call

    if args.client == "authlib":
        from authlib.integrations.requests_client import OAuth2Session

        token_url = host + "/oidc/token"

        def new_caller():
            session = OAuth2Session(
                args.client_id,
                args.client_secret,
                token_endpoint_auth_method="client_secret_post",
            )

            def call():
                token = session.refresh_token(token_url, refresh_token=args.refresh_token)
                return token["access_token"]

            return call

        return new_caller(), new_caller

    raise SystemExit("unknown --client %s" % args.client)


class Errors:
    def __init__(self):
        self.count = 0
        self.first = None
        self.lock = threading.Lock()

    def run(self, call):
        try:
            if call():
                return True
            error = "empty access_token"
        except Exception as e:  # noqa: BLE001 - every failure is counted, the first one shown
            error = "%s: %s" % (type(e).__name__, e)
        with self.lock:
            self.count += 1
            if self.first is None:
                self.first = error[:400]
        return False


def cpu_s():
    """CPU time of the whole process (every thread), seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_kb():
    """VmHWM from /proc: getrusage's ru_maxrss carries over across exec, so a child of a
    bigger process would report its parent's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = int(-(-p * len(sorted_values) // 100))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def throughput(new_caller, errors, threads, seconds, max_calls):
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)
    done = [0] * threads
    cap = max_calls // threads + 1
    callers = [new_caller() for _ in range(threads)]

    def work(i):
        call = callers[i]
        barrier.wait()
        n = 0
        while not stop.is_set() and n < cap:
            if errors.run(call):
                n += 1
        done[i] = n

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds and any(w.is_alive() for w in workers):
        time.sleep(0.005)
    stop.set()
    for w in workers:
        w.join()
    return sum(done) / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--client", required=True)
    p.add_argument("--app-host", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument("--refresh-token", required=True)
    p.add_argument("--mode", default="full", choices=["full", "cold"])
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--levels", default="1,8,32")
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--max-seconds", type=float, default=20.0)
    p.add_argument("--max-calls", type=int, default=1_000_000)
    p.add_argument("--verify", action="store_true")
    p.add_argument("--gap-us", type=int, default=0)
    args = p.parse_args()

    errors = Errors()
    started = time.perf_counter()
    call, new_caller = make_caller(args)
    setup_ms = (time.perf_counter() - started) * 1e3
    first_ok = errors.run(call)
    first_call_ms = (time.perf_counter() - started) * 1e3
    out = {
        "first_result_epoch_ms": time.time_ns() / 1e6,
        "first_call_ms": round(first_call_ms, 3),
        "setup_ms": round(setup_ms, 3),
        "first_ok": first_ok,
    }

    if args.mode == "full":
        bound = args.max_seconds
        t = time.perf_counter()
        for _ in range(args.warmup):
            if time.perf_counter() - t > bound:
                break
            errors.run(call)
        samples = []
        t = time.perf_counter()
        clock = time.perf_counter
        cpu0 = cpu_s()
        for _ in range(args.calls):
            if clock() - t > bound:
                break
            s = clock()
            errors.run(call)
            samples.append((clock() - s) * 1e6)
        cpu_per_call_us = (cpu_s() - cpu0) * 1e6 / max(len(samples), 1)
        samples.sort()
        out["lat_calls"] = len(samples)
        out["lat_p50_us"] = round(percentile(samples, 50), 2)
        out["lat_p99_us"] = round(percentile(samples, 99), 2)
        out["lat_mean_us"] = round(sum(samples) / max(len(samples), 1), 2)
        out["cpu_us_per_call"] = round(cpu_per_call_us, 2)
        if args.gap_us > 0:
            gap_s = args.gap_us / 1e6
            samples = []
            t = clock()
            for _ in range(args.calls):
                if clock() - t > bound:
                    break
                until = clock() + gap_s
                while clock() < until:
                    pass
                s = clock()
                errors.run(call)
                samples.append((clock() - s) * 1e6)
            samples.sort()
            out["gap_us"] = args.gap_us
            out["gap_lat_p50_us"] = round(percentile(samples, 50), 2)
            out["gap_lat_p99_us"] = round(percentile(samples, 99), 2)
        seconds = min(args.seconds, args.max_seconds)
        out["tput"] = {
            str(n): round(throughput(new_caller, errors, n, seconds, args.max_calls), 1)
            for n in (int(x) for x in args.levels.split(",") if x)
        }
    out["errors"] = errors.count
    if errors.first:
        out["first_error"] = errors.first
    out["peak_rss_kb"] = peak_rss_kb()
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
