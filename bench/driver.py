"""Runs the benchmark's phases and writes its report. Called by bench/run (read that first).

    driver.py measure --target canned [--quick]   starts the canned server, measures every client
    driver.py measure --target dev [--quick]      the same against the dev provider
                                                  (GENAUTH_DEV_URL must be set)
    driver.py report                              table on stdout, results.md, results.csv,
                                                  chart.png, from the raw measurements

Every bench program takes the same command line and prints one JSON line (bench/README.md).
Every loop is bounded in count and time, and every child process by a timeout.
"""

import argparse
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build", "bench")
BENCH_TARGET = os.path.join(ROOT, "build", "bench-target", "release")
VENV_PY = os.path.join(ROOT, "build", "bench-venv", "bin", "python")
RESULTS = os.path.join(ROOT, "bench", "results")

CANNED_CLIENT = ("bench-app", "bench-app-secret", "canned-refresh-token-3q2+7w==")
DEV_CLIENT = ("app-post", "app-post-secret")
DEV_REDIRECT_URI = "http://127.0.0.1:8976/callback"

# (id, label, language) in table order. The reference columns are "floor" and "lib-c".
CLIENTS = [
    ("floor", "floor (Rust reqwest)", "rust"),
    ("floor-ct", "floor, current-thread (Rust reqwest)", "rust"),
    ("lib-c", "libgenauth C client", "c"),
    ("lib-c-oneshot", "libgenauth C one-shot", "c"),
    ("lib-py", "libgenauth Python", "python"),
    ("genauth-sdk", "GenAuth SDK (Python)", "python"),
    ("authlib", "authlib (Python)", "python"),
    ("openid-client", "openid-client (Node)", "node"),
]
LABEL = {c[0]: c[1] for c in CLIENTS}


# The clients measured a second time with the caller busy between calls (GAP_US of work), as a
# program that does anything but call does: the cost of waking the library's threads shows there.
GAP_US = 50
GAP_CLIENTS = ("floor", "floor-ct", "lib-c", "lib-py")


def command(client_id):
    py = [VENV_PY, os.path.join(ROOT, "bench", "python", "bench_py.py"), "--client"]
    c_bench = os.path.join(BUILD, "bench_libgenauth")
    return {
        "floor": [os.path.join(BENCH_TARGET, "floor-client")],
        "floor-ct": [os.path.join(BENCH_TARGET, "floor-client"), "--runtime", "current"],
        "lib-c": [c_bench, "--api", "client"],
        "lib-c-oneshot": [c_bench, "--api", "oneshot"],
        "lib-py": py + ["libgenauth"],
        "genauth-sdk": py + ["genauth"],
        "authlib": py + ["authlib"],
        "openid-client": ["node", os.path.join(ROOT, "bench", "node", "bench.mjs")],
    }[client_id]


def settings(target, quick):
    """Call counts and durations per target; the dev provider's own speed dominates there, so
    it gets fewer calls."""
    if target == "canned":
        s = dict(warmup=300, calls=3000, seconds=2.0, cold_runs=5, rounds=3,
                 rss_calls=(1000, 100000), rss_thread_calls=10000)
        if quick:
            s.update(warmup=50, calls=500, seconds=0.5, cold_runs=2, rounds=1,
                     rss_calls=(1000, 10000), rss_thread_calls=1000)
    else:
        s = dict(warmup=50, calls=500, seconds=2.0, cold_runs=3, rounds=1)
        if quick:
            s.update(warmup=20, calls=100, seconds=0.5, cold_runs=1)
    s.update(levels=[1, 8, 32], max_seconds=20.0)
    return s


# --- running the bench programs ---------------------------------------------------------------


def run_json(argv, timeout):
    """Runs a bench program; returns (its JSON line as a dict, epoch ms just before the spawn)."""
    spawned_ms = time.time_ns() / 1e6
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, cwd=ROOT)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError("%s failed (exit %s): %s %s" % (
            os.path.basename(argv[0]), proc.returncode, proc.stdout[-500:], proc.stderr[-1500:]))
    return json.loads(lines[-1]), spawned_ms


def common_args(app_host, creds, s, verify):
    client_id, secret, refresh_token = creds
    args = ["--app-host", app_host, "--client-id", client_id, "--client-secret", secret,
            "--refresh-token", refresh_token, "--warmup", str(s["warmup"]),
            "--calls", str(s["calls"]), "--levels", ",".join(map(str, s["levels"])),
            "--seconds", str(s["seconds"]), "--max-seconds", str(s["max_seconds"])]
    return args + (["--verify"] if verify else [])


def server_stats(app_host):
    with urllib.request.urlopen(app_host + "/stats", timeout=5) as r:
        return json.load(r)


def measure_cold(client_id, app_host, creds, s, verify):
    base = command(client_id) + common_args(app_host, creds, s, verify)
    result = {"client": client_id, "cold_ms": [], "first_call_ms_cold": [], "setup_ms_cold": [],
              "rounds": []}
    for _ in range(s["cold_runs"]):
        doc, spawned = run_json(base + ["--mode", "cold"], timeout=60)
        if not doc.get("first_ok"):
            raise RuntimeError("%s: first call failed: %s" % (client_id, doc.get("first_error")))
        result["cold_ms"].append(doc["first_result_epoch_ms"] - spawned)
        result["first_call_ms_cold"].append(doc["first_call_ms"])
        result["setup_ms_cold"].append(doc["setup_ms"])
    return result


def loadavg():
    """The 1-minute load average: how busy the (shared) machine was around a measurement."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def full_round(client_id, app_host, creds, s, verify, canned):
    base = command(client_id) + common_args(app_host, creds, s, verify)
    if client_id in GAP_CLIENTS:
        base += ["--gap-us", str(GAP_US)]
    load_before = loadavg()
    before = server_stats(app_host) if canned else None
    bound = 2 * s["max_seconds"] + len(s["levels"]) * (s["seconds"] + 10) + 60
    doc, _ = run_json(base + ["--mode", "full"], timeout=bound)
    doc["loadavg"] = [load_before, loadavg()]
    if canned:
        after = server_stats(app_host)
        ok = after["token_ok"] - before["token_ok"]
        doc["server_calls"] = ok
        doc["server_refused"] = after["token_refused"] - before["token_refused"]
        doc["server_connections"] = after["connections"] - before["connections"]
        doc["conns_per_1k"] = 1000.0 * doc["server_connections"] / ok if ok else None
    if doc.get("errors"):
        print("  ! %s: %d errors, first: %s" % (client_id, doc["errors"], doc.get("first_error")),
              file=sys.stderr)
    return doc


def summarize(client_result):
    """The best round for each figure: the lowest latency and CPU, the highest throughput. The
    machine is shared, and other work only ever adds time, so the least disturbed of the
    interleaved rounds is the closest to the client's own cost (every round is kept in the raw
    results). Cold figures: the median of the fresh processes. Peak RSS: the highest."""
    rounds = client_result["rounds"]
    best = lambda key: min(r[key] for r in rounds if r.get(key) is not None)
    out = {
        "lat_p50_us": best("lat_p50_us"),
        "lat_p99_us": best("lat_p99_us"),
        "lat_mean_us": best("lat_mean_us"),
        "cpu_us_per_call": best("cpu_us_per_call"),
        "gap_lat_p50_us": (best("gap_lat_p50_us")
                           if any(r.get("gap_lat_p50_us") is not None for r in rounds) else None),
        "lat_calls": sum(r["lat_calls"] for r in rounds),
        "cold_ms": statistics.median(client_result["cold_ms"]),
        "first_call_ms": statistics.median(client_result["first_call_ms_cold"]),
        "setup_ms": statistics.median(client_result["setup_ms_cold"]),
        "peak_rss_mb": max(r["peak_rss_kb"] for r in rounds) / 1024.0,
        "errors": sum(r.get("errors", 0) for r in rounds),
        "rounds": len(rounds),
    }
    for level in rounds[0]["tput"]:
        out["tput_" + level] = max(r["tput"][level] for r in rounds)
    if rounds[0].get("conns_per_1k") is not None:
        conns = sum(r["server_connections"] for r in rounds)
        calls = sum(r["server_calls"] for r in rounds)
        out["conns_per_1k"] = 1000.0 * conns / calls if calls else None
        out["server_refused"] = sum(r["server_refused"] for r in rounds)
    return out


def start_canned_server():
    proc = subprocess.Popen([os.path.join(BENCH_TARGET, "canned-server"), "--max-seconds", "1500",
                             "--client-id", CANNED_CLIENT[0], "--client-secret", CANNED_CLIENT[1],
                             "--refresh-token", CANNED_CLIENT[2]],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    ready = json.loads(line)
    return proc, "http://127.0.0.1:%d" % ready["port"]


def dev_refresh_token(app_host):
    """A refresh token for app-post: the dev provider's headless login, then a code exchange."""
    url = app_host + "/dev/login?" + urllib.parse.urlencode({"client_id": DEV_CLIENT[0]})
    with urllib.request.urlopen(url, timeout=20) as r:
        code = json.load(r)["code"]
    body = urllib.parse.urlencode({
        "client_id": DEV_CLIENT[0], "client_secret": DEV_CLIENT[1],
        "grant_type": "authorization_code", "code": code, "redirect_uri": DEV_REDIRECT_URI,
    }).encode()
    request = urllib.request.Request(app_host + "/oidc/token", data=body, headers={
        "content-type": "application/x-www-form-urlencoded", "accept": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as r:
        tokens = json.load(r)
    return tokens["refresh_token"]


def library_figures(app_host, s):
    """libgenauth only: the .so's size (as built and stripped) and resident memory after
    1 000 vs 100 000 calls through the C ABI against the canned server, one thread."""
    lib = os.path.join(ROOT, "target", "release", "libgenauth.so")
    stripped = os.path.join(BUILD, "libgenauth.stripped.so")
    shutil.copyfile(lib, stripped)
    subprocess.run(["strip", "--strip-all", stripped], check=True)
    out = {"so_kb": os.path.getsize(lib) / 1024.0, "so_stripped_kb": os.path.getsize(stripped) / 1024.0}
    small, large = s["rss_calls"]
    for api in ("client", "oneshot"):
        argv = [os.path.join(BUILD, "bench_libgenauth"), "--api", api, "--mode", "rss",
                "--rss-calls", "%d,%d" % (small, large), "--max-seconds", "30"]
        argv += common_args(app_host, CANNED_CLIENT, s, False)[:8]
        doc, _ = run_json(argv, timeout=90)
        out["rss_" + api] = {k: doc[k] for k in ("rss_small_calls", "rss_small_kb",
                                                 "rss_large_calls", "rss_large_kb", "errors")}
        print("  rss %-7s %6d calls: %6.1f MB   %6d calls: %6.1f MB" % (
            api, doc["rss_small_calls"], doc["rss_small_kb"] / 1024, doc["rss_large_calls"],
            doc["rss_large_kb"] / 1024))
    # Threads that come and go: 8 waves of 8 threads, each making `per_thread` calls and exiting.
    per_thread = s["rss_thread_calls"]
    argv = [os.path.join(BUILD, "bench_libgenauth"), "--api", "client", "--mode", "rss-threads",
            "--rss-calls", "1,%d" % per_thread, "--max-seconds", "120"]
    argv += common_args(app_host, CANNED_CLIENT, s, False)[:8]
    doc, _ = run_json(argv, timeout=300)
    out["rss_threads"] = {k: doc[k] for k in ("rss_threads", "rss_calls_per_thread",
                                              "rss_first_wave_kb", "rss_last_wave_kb", "errors")}
    print("  rss %d threads x %d calls: after the first wave %.1f MB, after the last %.1f MB" % (
        doc["rss_threads"], per_thread, doc["rss_first_wave_kb"] / 1024,
        doc["rss_last_wave_kb"] / 1024))
    return out


def measure(target, quick, only=None):
    s = settings(target, quick)
    clients = [c for c in CLIENTS if only is None or c[0] == only]
    if not clients:
        raise SystemExit("unknown client %s" % only)
    server = None
    try:
        if target == "canned":
            server, app_host = start_canned_server()
            creds, verify = CANNED_CLIENT, False
        else:
            app_host = os.environ.get("GENAUTH_DEV_URL")
            if not app_host:
                raise SystemExit("GENAUTH_DEV_URL is not set: run under scripts/with-devprovider")
            creds, verify = DEV_CLIENT + (dev_refresh_token(app_host),), True
        print("== target %s at %s: %d round(s), %d warm-up + %d timed calls, %.1f s per "
              "throughput level %s" % (target, app_host, s["rounds"], s["warmup"], s["calls"],
                                       s["seconds"], s["levels"]))
        # The server warms up first (the dev provider runs on a JIT), so that the first client
        # measured is not the one that pays for it.
        warm = dict(s, warmup=0, calls=2000 if not quick else 300, levels=[8])
        run_json(command("floor") + common_args(app_host, creds, warm, verify), timeout=120)
        results = {c[0]: None for c in clients}
        for client_id, label, _ in clients:
            results[client_id] = measure_cold(client_id, app_host, creds, s, verify)
            print("  %-24s cold %7.1f ms" % (label, statistics.median(results[client_id]["cold_ms"])))
        # Rounds interleave the clients, so that a slow spell of this shared machine does not
        # land on one client only; the report keeps each client's best round per figure.
        for r in range(s["rounds"]):
            for client_id, label, _ in clients:
                started = time.time()
                doc = full_round(client_id, app_host, creds, s, verify, target == "canned")
                results[client_id]["rounds"].append(doc)
                print("  round %d %-24s p50 %8.1f us  p99 %8.1f us  tput %s  (%.0f s)" % (
                    r + 1, label, doc["lat_p50_us"], doc["lat_p99_us"],
                    "/".join("%.0f" % v for v in doc["tput"].values()), time.time() - started))
        path = os.path.join(BUILD, "raw-%s.json" % target)
        raw = {"target": target, "quick": quick, "settings": s, "app_host": app_host,
               "library_version": library_version(),
               "clients": {}, "when": time.strftime("%Y-%m-%d %H:%M:%S %z")}
        if only is not None and os.path.exists(path):
            with open(path) as f:
                raw["clients"] = json.load(f)["clients"]  # the clients measured before
        for client_id, result in results.items():
            raw["clients"][client_id] = {"summary": summarize(result), "raw": result}
        if target == "canned":
            raw["library"] = library_figures(app_host, s)
        os.makedirs(BUILD, exist_ok=True)
        with open(path, "w") as f:
            json.dump(raw, f, indent=1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


# --- the report -------------------------------------------------------------------------------

# (key, label, unit, format)
METRICS = [
    ("lat_p50_us", "warm latency p50", "µs", "%.0f"),
    ("lat_p99_us", "warm latency p99", "µs", "%.0f"),
    ("gap_lat_p50_us", "warm latency p50, caller works %d µs between calls" % GAP_US, "µs", "%.0f"),
    ("cpu_us_per_call", "CPU per warm call (client process, all threads)", "µs", "%.0f"),
    ("tput_1", "throughput, 1 caller", "calls/s", "%.0f"),
    ("tput_8", "throughput, 8 callers", "calls/s", "%.0f"),
    ("tput_32", "throughput, 32 callers", "calls/s", "%.0f"),
    ("cold_ms", "cold: process start → first result", "ms", "%.1f"),
    ("first_call_ms", "first call in process (set-up + call)", "ms", "%.1f"),
    ("peak_rss_mb", "peak RSS", "MB", "%.1f"),
    ("conns_per_1k", "new connections per 1 000 calls", "", "%.1f"),
]


def library_version():
    """The library's commit, read when the measurements run (read-only git commands)."""
    def out(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]) or "?"
    dirty = out(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"])
    return "commit %s%s" % (commit, " with uncommitted changes in src/ or Cargo.*" if dirty else "")


def machine():
    def out(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    model = "?"
    for line in out(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    versions = {}
    freeze = out([VENV_PY, "-m", "pip", "freeze"])
    for name in ("genauth", "Authlib", "requests", "urllib3"):
        m = re.search(r"^%s==(\S+)" % name, freeze, re.M | re.I)
        versions[name] = m.group(1) if m else "?"
    try:
        with open(os.path.join(ROOT, "bench", "node", "node_modules", "openid-client",
                               "package.json")) as f:
            versions["openid-client"] = json.load(f)["version"]
    except OSError:
        versions["openid-client"] = "?"
    return {
        "cores": out(["nproc"]), "model": model, "kernel": platform.release(),
        "python": out([VENV_PY, "--version"]).replace("Python ", ""),
        "node": out(["node", "--version"]), "rustc": out(["rustc", "--version"]).split(" (")[0],
        "versions": versions,
    }


def ratio(value, ref):
    if value is None or ref in (None, 0):
        return None
    return value / ref


def cell(value, fmt, vs_floor, vs_lib):
    if value is None:
        return "—"
    text = fmt % value
    ratios = ["%.2f×" % r if r is not None else "—" for r in (vs_floor, vs_lib)]
    return "%s (%s, %s)" % (text, ratios[0], ratios[1])


def build_rows(raw_by_target):
    """The one table: a row per (target, figure), a column per client; and the long CSV."""
    rows, csv_rows = [], []
    for target in ("canned", "dev"):
        raw = raw_by_target.get(target)
        if not raw:
            continue
        summaries = {c: raw["clients"][c]["summary"] for c in raw["clients"]}
        for key, label, unit, fmt in METRICS:
            if all(summaries[c].get(key) is None for c in summaries):
                continue
            floor = summaries["floor"].get(key)
            lib = summaries["lib-c"].get(key)
            cells = []
            for client_id, _, _ in CLIENTS:
                v = summaries[client_id].get(key)
                vf, vl = ratio(v, floor), ratio(v, lib)
                cells.append(cell(v, fmt, vf, vl))
                csv_rows.append([target, client_id, key, "" if v is None else round(v, 3), unit,
                                 "" if vf is None else round(vf, 4),
                                 "" if vl is None else round(vl, 4)])
            rows.append(["%s: %s%s" % (target, label, " (%s)" % unit if unit else "")] + cells)
    lib = raw_by_target.get("canned", {}).get("library")
    if lib:
        # libgenauth only: the other columns have no such figure.
        so = "%.0f KiB stripped (%.0f KiB as built)" % (lib["so_stripped_kb"], lib["so_kb"])
        rows.append(["libgenauth.so size", "—", "—", so, "(same .so)", "(same .so)"] + ["—"] * 3)
        csv_rows.append(["", "libgenauth", "so_stripped_kb", round(lib["so_stripped_kb"], 1), "KiB", "", ""])
        csv_rows.append(["", "libgenauth", "so_kb", round(lib["so_kb"], 1), "KiB", "", ""])
        cells = []
        for api in ("client", "oneshot"):
            r = lib["rss_" + api]
            cells.append("%.1f MB → %.1f MB" % (r["rss_small_kb"] / 1024, r["rss_large_kb"] / 1024))
            client_id = "lib-c" if api == "client" else "lib-c-oneshot"
            csv_rows.append(["canned", client_id, "rss_after_%d_calls_mb" % r["rss_small_calls"],
                             round(r["rss_small_kb"] / 1024, 2), "MB", "", ""])
            csv_rows.append(["canned", client_id, "rss_after_%d_calls_mb" % r["rss_large_calls"],
                             round(r["rss_large_kb"] / 1024, 2), "MB", "", ""])
        calls = (lib["rss_client"]["rss_small_calls"], lib["rss_client"]["rss_large_calls"])
        rows.append(["canned: RSS after %d → %d calls (1 thread)" % calls, "—", "—", cells[0], cells[1]]
                    + ["—"] * 4)
        t = lib.get("rss_threads")
        if t:
            rows.append(["canned: RSS after the first → last of 8 waves of 8 threads, %d calls each "
                         "(%d threads that come and go)" % (t["rss_calls_per_thread"], t["rss_threads"]),
                         "—", "—", "%.1f MB → %.1f MB" % (t["rss_first_wave_kb"] / 1024,
                                                       t["rss_last_wave_kb"] / 1024)] + ["—"] * 5)
            csv_rows.append(["canned", "lib-c", "rss_threads_first_wave_mb",
                             round(t["rss_first_wave_kb"] / 1024, 2), "MB", "", ""])
            csv_rows.append(["canned", "lib-c", "rss_threads_last_wave_mb",
                             round(t["rss_last_wave_kb"] / 1024, 2), "MB", "", ""])
    return rows, csv_rows


def targets(raw_by_target):
    """The issue's targets, measured against the canned server (not asserted)."""
    raw = raw_by_target.get("canned")
    if not raw:
        return []
    s = {c: raw["clients"][c]["summary"] for c in raw["clients"]}
    out = []

    def add(name, value, goal, met, detail):
        out.append({"target": name, "measured": value, "goal": goal, "met": met, "detail": detail})

    c, f, ct, py = s["lib-c"], s["floor"], s["floor-ct"], s["lib-py"]
    for key, how in (("lat_p50_us", "back to back"), ("gap_lat_p50_us", "%d µs of caller work between calls" % GAP_US)):
        for ref, name, goal in ((ct, "current-thread floor", 1.10), (f, "multi-thread floor", 0.85)):
            if c.get(key) is None or ref.get(key) is None:
                continue
            r = c[key] / ref[key]
            add("C client warm p50 ≤ %.2f× the %s (%s)" % (goal, name, how), "%.2f×" % r,
                "≤ %.2f×" % goal, r <= goal, "C client %.0f µs vs %.0f µs" % (c[key], ref[key]))
    r = py["lat_p50_us"] / c["lat_p50_us"]
    add("Python binding warm p50 ≤ 1.3× the C client", "%.2f×" % r, "≤ 1.3×", r <= 1.3,
        "Python %.0f µs vs C %.0f µs" % (py["lat_p50_us"], c["lat_p50_us"]))
    for peer, goal in (("genauth-sdk", 6.0), ("openid-client", 3.0)):
        r = s[peer]["lat_p50_us"] / py["lat_p50_us"]
        add("from Python ≥ %g× faster than %s" % (goal, LABEL[peer]), "%.1f×" % r, "≥ %g×" % goal,
            r >= goal, "p50 %.0f µs vs libgenauth Python %.0f µs" % (
                s[peer]["lat_p50_us"], py["lat_p50_us"]))
    r = py["tput_8"] / f["tput_8"]
    add("8 Python threads ≥ 0.5× the floor's 8 callers", "%.2f×" % r, "≥ 0.5×", r >= 0.5,
        "Python %.0f/s vs floor %.0f/s (current-thread floor %.0f/s)" % (
            py["tput_8"], f["tput_8"], ct["tput_8"]))
    r = c["tput_32"] / f["tput_32"]
    add("32 C callers ≥ 0.9× the floor's", "%.2f×" % r, "≥ 0.9×", r >= 0.9,
        "C client %.0f/s vs floor %.0f/s (current-thread floor %.0f/s)" % (
            c["tput_32"], f["tput_32"], ct["tput_32"]))
    lib = raw.get("library", {})
    one = lib.get("rss_client")
    if one:
        grew = (one["rss_large_kb"] - one["rss_small_kb"]) / 1024
        add("RSS flat over %d calls on 1 thread" % one["rss_large_calls"], "%+.1f MB" % grew,
            "≤ +1 MB", grew <= 1.0, "%.1f MB after %d calls, %.1f MB after %d" % (
                one["rss_small_kb"] / 1024, one["rss_small_calls"], one["rss_large_kb"] / 1024,
                one["rss_large_calls"]))
    waves = lib.get("rss_threads")
    if waves:
        grew = (waves["rss_last_wave_kb"] - waves["rss_first_wave_kb"]) / 1024
        add("RSS flat over %d threads that come and go" % waves["rss_threads"], "%+.1f MB" % grew,
            "≤ +1 MB", grew <= 1.0, "%d calls each; %.1f MB after the first 8, %.1f MB after all" % (
                waves["rss_calls_per_thread"], waves["rss_first_wave_kb"] / 1024,
                waves["rss_last_wave_kb"] / 1024))
    # The committed run before blocking calls ran on the caller's thread (commit 688856a).
    before = 2.3
    add("cold start → first result unchanged or better", "%.2f ms" % c["cold_ms"],
        "≤ %.1f ms" % (before * 1.1), c["cold_ms"] <= before * 1.1,
        "C client, process start → first result (%.1f ms before caller-driven I/O); "
        "%.1f ms of it inside the process" % (before, c["first_call_ms"]))
    return out


def format_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(widths[i]) for i, v in enumerate(r))
    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def markdown_table(header, rows):
    esc = lambda v: str(v).replace("|", "\\|")
    out = ["| " + " | ".join(esc(h) for h in header) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    out += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def chart(raw_by_target, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets_present = [t for t in ("canned", "dev") if raw_by_target.get(t)]
    fig, axes = plt.subplots(len(targets_present), 2, figsize=(15, 5.2 * len(targets_present)),
                             squeeze=False)
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda v, _: "{:,.0f}".format(v))
    labels = [c[1] for c in CLIENTS]
    # grey: the floor; blues: libgenauth; green: Python peers; red: the Node peer.
    color = {"floor": "#7f7f7f", "floor-ct": "#b0b0b0", "lib-c": "#1f4e9c", "lib-c-oneshot": "#3a78c9",
             "lib-py": "#74a9e0", "genauth-sdk": "#2ca02c", "authlib": "#5cbf5c",
             "openid-client": "#d62728"}
    for row, target in enumerate(targets_present):
        s = {c: raw_by_target[target]["clients"][c]["summary"] for c in raw_by_target[target]["clients"]}
        title = {"canned": "canned token server (client cost)",
                 "dev": "dev provider (oidc-provider; its own speed dominates)"}[target]
        ax = axes[row][0]
        ys = list(range(len(CLIENTS)))[::-1]
        p50 = [s[c[0]]["lat_p50_us"] for c in CLIENTS]
        p99 = [s[c[0]]["lat_p99_us"] for c in CLIENTS]
        ax.barh(ys, p50, color=[color[c[0]] for c in CLIENTS], alpha=0.9, label="p50")
        ax.scatter(p99, ys, marker="|", s=300, color="black", label="p99", zorder=3)
        for y, v, v99 in zip(ys, p50, p99):
            ax.text(max(v, v99) * 1.12, y, "p50 %.0f · p99 %.0f" % (v, v99), va="center",
                    fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        ax.set_yticks(ys)
        ax.set_yticklabels(labels)
        ax.set_xlabel("warm latency per call, µs (log scale; lower is better)")
        ax.set_title("Latency — " + title, fontsize=11)
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(axis="x", which="both", alpha=0.25)

        ax = axes[row][1]
        levels = ["1", "8", "32"]
        height = 0.26
        shades = {"1": 0.45, "8": 0.7, "32": 1.0}
        for k, level in enumerate(levels):
            vals = [s[c[0]].get("tput_" + level, 0) for c in CLIENTS]
            offs = [y + (1 - k) * height for y in ys]
            ax.barh(offs, vals, height=height, color=[color[c[0]] for c in CLIENTS],
                    alpha=shades[level], label="%s caller%s" % (level, "" if level == "1" else "s"),
                    edgecolor="white")
            for y, v in zip(offs, vals):
                ax.text(v * 1.08, y, "%.0f" % v, va="center", fontsize=7)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        ax.set_yticks(ys)
        ax.set_yticklabels(labels)
        ax.set_xlabel("throughput, calls/s (log scale; higher is better)")
        ax.set_title("Throughput — " + title, fontsize=11)
        handles = [plt.Rectangle((0, 0), 1, 1, color="#555555", alpha=shades[l]) for l in levels]
        ax.legend(handles, ["1 caller", "8 callers", "32 callers"], loc="lower right", fontsize=8)
        ax.grid(axis="x", which="both", alpha=0.25)
        ax.set_xlim(right=max(max(s[c[0]].get("tput_" + l, 1) for c in CLIENTS) for l in levels) * 3)
        axes[row][0].set_xlim(right=max(p99 + p50) * 6)
    fig.suptitle("libgenauth benchmark: refresh_token grant, client_secret_post, 127.0.0.1 "
                 "(grey = floor, blue = libgenauth, green = Python peers, red = Node peer)",
                 fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=110)


def report():
    raw_by_target = {}
    for target in ("canned", "dev"):
        p = os.path.join(BUILD, "raw-%s.json" % target)
        if os.path.exists(p):
            with open(p) as f:
                raw_by_target[target] = json.load(f)
            for client in raw_by_target[target]["clients"].values():
                client["summary"] = summarize(client["raw"])
    if not raw_by_target:
        raise SystemExit("no measurements: run bench/run")
    info = machine()
    header = ["figure (value (÷floor, ÷libgenauth C client))"] + [c[1] for c in CLIENTS]
    rows, csv_rows = build_rows(raw_by_target)
    goals = targets(raw_by_target)
    os.makedirs(RESULTS, exist_ok=True)

    machine_line = "%s cores, %s, Linux %s; rustc %s, Python %s, Node %s" % (
        info["cores"], info["model"], info["kernel"], info["rustc"].replace("rustc ", ""),
        info["python"], info["node"])
    peers = ", ".join("%s %s" % kv for kv in info["versions"].items())
    settings_lines = []
    for target, raw in raw_by_target.items():
        s = raw["settings"]
        how = ("%d round(s), the clients interleaved, the best round per figure" % s["rounds"]
               if target == "canned" else
               "each client against its own freshly started provider, warmed up first")
        settings_lines.append(
            "- %s (%s%s): %s; each round %d warm-up + %d timed calls on one caller, then %.1f s "
            "per throughput level; cold start = median of %d fresh processes." % (
                target, raw["when"], ", quick" if raw["quick"] else "", how, s["warmup"],
                s["calls"], s["seconds"], s["cold_runs"]))
    loads = [v for raw in raw_by_target.values() for c in raw["clients"].values()
             for r in c["raw"]["rounds"] for v in r.get("loadavg", []) if v is not None]
    if loads:
        settings_lines.append(
            "- 1-minute load average around the measurements: %.1f to %.1f (2 cores; above ~2 "
            "means other work on this shared machine competed with the benchmark)."
            % (min(loads), max(loads)))
    errors = {t: {c: r["clients"][c]["summary"]["errors"] for c in r["clients"]}
              for t, r in raw_by_target.items()}
    any_errors = any(v for e in errors.values() for v in e.values())

    # stdout
    print()
    print(format_table(header, rows))
    print()
    for g in goals:
        print("%-4s %-52s measured %-9s goal %-10s %s" % (
            "MET" if g["met"] else "MISS", g["target"], g["measured"], g["goal"], g["detail"]))
    print("machine: " + machine_line)
    if loads:
        print("load average during the run: %.1f to %.1f" % (min(loads), max(loads)))
    if any_errors:
        print("errors: %s" % json.dumps(errors))

    # Markdown
    md = ["# Benchmark results", "",
          "Produced by `bench/run`; see [bench/README.md](../README.md) for what each row means.", "",
          "- Machine: " + machine_line + ".",
          "- Peers: " + peers + ".",
          "- libgenauth measured: %s." % "; ".join(
              "%s: %s" % (t, r.get("library_version", "not recorded")) for t, r in raw_by_target.items())
          ] + settings_lines + [
          "- Each cell: the figure, then (its ratio to the floor, its ratio to libgenauth's C "
          "client). A ratio is this column's figure divided by the reference's, for every figure: "
          "below 1 is better for latency, time and memory, above 1 is better for throughput.",
          "- Errors (calls that did not return tokens): %s." % (
              "none" if not any_errors else json.dumps(errors)),
          "", markdown_table(header, rows), "", "## Targets (measured against the canned server)", "",
          markdown_table(["target", "measured", "goal", "met", "detail"],
                         [[g["target"], g["measured"], g["goal"], "yes" if g["met"] else "**no**",
                           g["detail"]] for g in goals]), "",
          "![latency and throughput per client](chart.png)", ""]
    with open(os.path.join(RESULTS, "results.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(RESULTS, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["target", "client", "metric", "value", "unit", "ratio_to_floor",
                    "ratio_to_libgenauth_c_client"])
        w.writerows(csv_rows)
    with open(os.path.join(RESULTS, "raw.json"), "w") as f:
        json.dump({"machine": info, "targets": goals, "measurements": raw_by_target}, f, indent=1)
    chart(raw_by_target, os.path.join(RESULTS, "chart.png"))
    print("wrote bench/results/results.md, results.csv, raw.json, chart.png")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--target", choices=["canned", "dev"], required=True)
    m.add_argument("--quick", action="store_true")
    m.add_argument("--only", help="measure this client only, adding it to the target's results")
    sub.add_parser("report")
    sub.add_parser("clients", help="print the client ids, one a line")
    args = p.parse_args()
    if args.command == "measure":
        measure(args.target, args.quick, args.only)
    elif args.command == "clients":
        print("\n".join(c[0] for c in CLIENTS))
    else:
        report()


if __name__ == "__main__":
    main()
