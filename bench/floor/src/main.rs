//! The benchmark's floor: the refresh-token request libgenauth sends (same URL, headers and
//! form body, client_secret_post), made with raw reqwest over one keep-alive pool, and nothing
//! else: no config parsing, no JSON parsing of the reply, no result document, no deadline.
//!
//! Two ways to drive reqwest, chosen by `--runtime`:
//! - `multi` (default): one tokio runtime with 2 worker threads drives the sockets, and each
//!   caller is an OS thread that runs its request with `Runtime::block_on`;
//! - `current`: each caller thread has its own current-thread runtime and its own reqwest client
//!   (a connection belongs to the runtime that spawned its task), so all I/O happens on the
//!   caller's thread. This is how libgenauth's blocking calls run.
//!
//! `--gap-us N` adds a second latency loop in which the caller busy-works N µs between calls,
//! as a program that does anything besides calling does (only the calls are timed).
//!
//! Same command line and one-line JSON output as the other bench programs (see bench/README.md).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct Options {
    app_host: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    mode: String,
    warmup: u64,
    calls: u64,
    levels: Vec<usize>,
    seconds: f64,
    max_seconds: f64,
    max_calls: u64,
    /// Diagnostic: wrap each call in `tokio::time::timeout`, as libgenauth does for `timeoutMs`.
    deadline: bool,
    /// `multi` or `current` (see the top of this file).
    runtime: String,
    /// Busy work between calls in the second latency loop, µs (0: no such loop).
    gap_us: u64,
}

fn usage(message: &str) -> ! {
    eprintln!("floor-client: {message}");
    std::process::exit(2)
}

fn parse_options() -> Options {
    let mut o = Options {
        app_host: String::new(),
        client_id: String::new(),
        client_secret: String::new(),
        refresh_token: String::new(),
        mode: "full".into(),
        warmup: 200,
        calls: 2000,
        levels: vec![1, 8, 32],
        seconds: 3.0,
        max_seconds: 20.0,
        max_calls: 1_000_000,
        deadline: false,
        runtime: "multi".into(),
        gap_us: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        let bad = |what: &str| -> ! { usage(&format!("bad {what}")) };
        match arg.as_str() {
            "--app-host" => o.app_host = value(),
            "--client-id" => o.client_id = value(),
            "--client-secret" => o.client_secret = value(),
            "--refresh-token" => o.refresh_token = value(),
            "--mode" => o.mode = value(),
            "--warmup" => o.warmup = value().parse().unwrap_or_else(|_| bad("--warmup")),
            "--calls" => o.calls = value().parse().unwrap_or_else(|_| bad("--calls")),
            "--levels" => {
                o.levels = value()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap_or_else(|_| bad("--levels")))
                    .collect()
            }
            "--seconds" => o.seconds = value().parse().unwrap_or_else(|_| bad("--seconds")),
            "--max-seconds" => {
                o.max_seconds = value().parse().unwrap_or_else(|_| bad("--max-seconds"))
            }
            "--max-calls" => o.max_calls = value().parse().unwrap_or_else(|_| bad("--max-calls")),
            // Accepted for a uniform command line; the floor never verifies anything.
            "--verify" => {}
            "--deadline" => o.deadline = true,
            "--runtime" => o.runtime = value(),
            "--gap-us" => o.gap_us = value().parse().unwrap_or_else(|_| bad("--gap-us")),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if o.app_host.is_empty() {
        usage("--app-host is required");
    }
    if o.runtime != "multi" && o.runtime != "current" {
        usage("--runtime is multi or current");
    }
    o
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        for (j, part) in [k, v].iter().enumerate() {
            if j == 1 {
                out.push('=');
            }
            for b in part.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                        out.push(b as char)
                    }
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
    }
    out
}

struct Floor {
    /// The shared runtime (`--runtime multi`); `None` with per-thread runtimes.
    runtime: Option<tokio::runtime::Runtime>,
    http: reqwest::Client,
    url: reqwest::Url,
    body: String,
    client_id: String,
    deadline: bool,
}

thread_local! {
    /// `--runtime current`: this caller thread's runtime and client.
    static THIS_THREAD: (tokio::runtime::Runtime, reqwest::Client) = (
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        http_client(),
    );
}

/// The pool settings libgenauth uses.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("floor-client/0.1.0")
        .tls_version_min(reqwest::tls::Version::TLS_1_2)
        .tcp_nodelay(true)
        .build()
        .expect("http client")
}

impl Floor {
    fn new(o: &Options) -> Floor {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = (o.runtime == "multi").then(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime")
        });
        let url = reqwest::Url::parse(&format!("{}/oidc/token", o.app_host.trim_end_matches('/')))
            .unwrap_or_else(|_| usage("bad --app-host"));
        let body = form_encode(&[
            ("client_id", &o.client_id),
            ("client_secret", &o.client_secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &o.refresh_token),
        ]);
        Floor {
            runtime,
            http: http_client(),
            url,
            body,
            client_id: o.client_id.clone(),
            deadline: o.deadline,
        }
    }

    /// One refresh: Ok(()) for a 200 with a body, Err(description) otherwise.
    fn call(&self) -> Result<(), String> {
        match &self.runtime {
            Some(runtime) => runtime.block_on(self.bounded(&self.http)),
            None => THIS_THREAD.with(|(runtime, http)| runtime.block_on(self.bounded(http))),
        }
    }

    async fn bounded(&self, http: &reqwest::Client) -> Result<(), String> {
        if self.deadline {
            return tokio::time::timeout(Duration::from_secs(10), self.request(http))
                .await
                .unwrap_or_else(|_| Err("timeout".into()));
        }
        self.request(http).await
    }

    async fn request(&self, http: &reqwest::Client) -> Result<(), String> {
        let response = http
            .post(self.url.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("x-genauth-app-id", self.client_id.as_str())
            .body(self.body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if status == 200 && !body.is_empty() {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

/// The caller's own work between calls: `us` microseconds of spinning.
fn busy_work(us: u64) {
    let until = Instant::now() + Duration::from_micros(us);
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// CPU time of the whole process (every thread), seconds.
fn cpu_s() -> f64 {
    // SAFETY: getrusage fills the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Peak resident memory (VmHWM), read from /proc: getrusage's ru_maxrss carries over across
/// exec, so a child of a bigger process would report its parent's peak.
fn peak_rss_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(-1)
}

#[derive(Default)]
struct Errors {
    count: AtomicU64,
    first: Mutex<Option<String>>,
}

impl Errors {
    fn record(&self, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(e) => {
                self.count.fetch_add(1, Ordering::Relaxed);
                let mut first = self.first.lock().unwrap();
                if first.is_none() {
                    *first = Some(e);
                }
                false
            }
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() {
    let o = parse_options();
    let errors = Arc::new(Errors::default());

    // First call: client set-up included (process start is timed by the caller).
    let started = Instant::now();
    let floor = Arc::new(Floor::new(&o));
    let setup_ms = started.elapsed().as_secs_f64() * 1000.0;
    let first_ok = errors.record(floor.call());
    let first_call_ms = started.elapsed().as_secs_f64() * 1000.0;
    let first_result_epoch_ms = epoch_ms();
    let mut out = vec![
        format!("\"first_result_epoch_ms\":{first_result_epoch_ms:.3}"),
        format!("\"first_call_ms\":{first_call_ms:.3}"),
        format!("\"setup_ms\":{setup_ms:.3}"),
        format!("\"first_ok\":{first_ok}"),
    ];

    if o.mode == "full" {
        let bound = Duration::from_secs_f64(o.max_seconds);
        let t = Instant::now();
        for _ in 0..o.warmup {
            if t.elapsed() > bound {
                break;
            }
            errors.record(floor.call());
        }
        let mut samples = Vec::with_capacity(o.calls as usize);
        let t = Instant::now();
        let cpu0 = cpu_s();
        for _ in 0..o.calls {
            if t.elapsed() > bound {
                break;
            }
            let s = Instant::now();
            errors.record(floor.call());
            samples.push(s.elapsed().as_secs_f64() * 1e6);
        }
        let cpu_per_call_us = (cpu_s() - cpu0) * 1e6 / samples.len().max(1) as f64;
        samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
        out.push(format!("\"lat_calls\":{}", samples.len()));
        out.push(format!("\"lat_p50_us\":{:.2}", percentile(&samples, 50.0)));
        out.push(format!("\"lat_p99_us\":{:.2}", percentile(&samples, 99.0)));
        out.push(format!("\"lat_mean_us\":{mean:.2}"));
        out.push(format!("\"cpu_us_per_call\":{cpu_per_call_us:.2}"));

        if o.gap_us > 0 {
            let mut samples = Vec::with_capacity(o.calls as usize);
            let t = Instant::now();
            for _ in 0..o.calls {
                if t.elapsed() > bound {
                    break;
                }
                busy_work(o.gap_us);
                let s = Instant::now();
                errors.record(floor.call());
                samples.push(s.elapsed().as_secs_f64() * 1e6);
            }
            samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
            out.push(format!("\"gap_us\":{}", o.gap_us));
            out.push(format!("\"gap_lat_p50_us\":{:.2}", percentile(&samples, 50.0)));
            out.push(format!("\"gap_lat_p99_us\":{:.2}", percentile(&samples, 99.0)));
        }

        let mut levels = Vec::new();
        for &n in &o.levels {
            let stop = Arc::new(AtomicBool::new(false));
            let total = Arc::new(AtomicU64::new(0));
            let barrier = Arc::new(Barrier::new(n + 1));
            let per_thread_cap = o.max_calls / n as u64 + 1;
            let workers: Vec<_> = (0..n)
                .map(|_| {
                    let (floor, stop, total, barrier, errors) = (
                        floor.clone(),
                        stop.clone(),
                        total.clone(),
                        barrier.clone(),
                        errors.clone(),
                    );
                    std::thread::spawn(move || {
                        barrier.wait();
                        let mut done = 0u64;
                        while !stop.load(Ordering::Relaxed) && done < per_thread_cap {
                            if errors.record(floor.call()) {
                                done += 1;
                            }
                        }
                        total.fetch_add(done, Ordering::Relaxed);
                    })
                })
                .collect();
            barrier.wait();
            let t = Instant::now();
            let duration = Duration::from_secs_f64(o.seconds.min(o.max_seconds));
            while t.elapsed() < duration && workers.iter().any(|w| !w.is_finished()) {
                std::thread::sleep(Duration::from_millis(5));
            }
            stop.store(true, Ordering::Relaxed);
            for w in workers {
                let _ = w.join();
            }
            let elapsed = t.elapsed().as_secs_f64();
            levels.push(format!(
                "\"{n}\":{:.1}",
                total.load(Ordering::Relaxed) as f64 / elapsed
            ));
        }
        out.push(format!("\"tput\":{{{}}}", levels.join(",")));
        out.push(format!(
            "\"errors\":{}",
            errors.count.load(Ordering::Relaxed)
        ));
        if let Some(e) = errors.first.lock().unwrap().as_deref() {
            out.push(format!("\"first_error\":{}", json_str(e)));
        }
    } else if let Some(e) = errors.first.lock().unwrap().as_deref() {
        out.push(format!("\"first_error\":{}", json_str(e)));
    }
    out.push(format!("\"peak_rss_kb\":{}", peak_rss_kb()));
    println!("{{{}}}", out.join(","));
}
