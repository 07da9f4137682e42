//! A token server that sends 100 MB: the call ends with `invalid_response` and the process's
//! memory stays bounded. A test binary of its own, so that no other test's allocations move the
//! figures: the peak resident size (VmHWM, reset before the calls where the kernel allows) and
//! the resident size (VmRSS) may each grow by less than 50 MB while 100 MB arrive.

mod support {
    pub mod canned_server;
    pub mod ffi;
    pub mod scenario_server;
}

use std::time::{Duration, Instant};

use support::ffi::{self, code, Client};
use support::scenario_server::{Behaviour, ScenarioServer};

const HUNDRED_MB: u64 = 100_000_000;
const BOUND_KB: u64 = 50 * 1024;

/// A field of /proc/self/status, in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Resets VmHWM to the current resident size (Linux ≥ 4.0); false where not allowed.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn config(host: &str) -> String {
    format!(
        r#"{{"appId":"app-1","appSecret":"s3cret-value","appHost":"{host}","redirectUri":"http://127.0.0.1:8976/callback",
            "timeoutMs":20000,"validateIdToken":false}}"#
    )
}

#[test]
fn hundred_megabyte_replies_keep_memory_bounded() {
    let chunked_head =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    let length_head = format!("HTTP/1.1 200 OK\r\ncontent-length: {HUNDRED_MB}\r\n\r\n");
    let servers = [
        ScenarioServer::start(Behaviour::Stream {
            head: chunked_head.as_bytes().to_vec(),
            total: HUNDRED_MB,
            chunked: true,
        }),
        ScenarioServer::start(Behaviour::Stream {
            head: length_head.into_bytes(),
            total: HUNDRED_MB,
            chunked: false,
        }),
    ];
    // Warm up: the runtime, the pools and the client exist before measuring.
    let warm = Client::new(&config(&servers[0].url)).unwrap();
    assert_eq!(code(&warm.refresh("rt").doc), "invalid_response");

    let rss_before = status_kb("VmRSS:");
    let peak_reset = reset_peak();
    let peak_before = status_kb("VmHWM:");
    let started = Instant::now();
    for server in &servers {
        let config = config(&server.url);
        let client = Client::new(&config).unwrap();
        for _ in 0..3 {
            let t = ffi::refresh(&config, "rt");
            assert_eq!(code(&t.doc), "invalid_response", "{}", t.doc);
            let t = client.refresh("rt");
            assert_eq!(code(&t.doc), "invalid_response", "{}", t.doc);
            let t = client.refresh_async("rt", Duration::from_secs(30));
            assert_eq!(code(&t.doc), "invalid_response", "{}", t.doc);
        }
    }
    let rss_growth = status_kb("VmRSS:").saturating_sub(rss_before);
    let peak_growth = status_kb("VmHWM:").saturating_sub(peak_before);
    println!(
        "18 calls against 100 MB replies in {:?}: VmRSS grew {rss_growth} kB, VmHWM grew \
         {peak_growth} kB (peak reset: {peak_reset})",
        started.elapsed()
    );
    assert!(rss_growth < BOUND_KB, "VmRSS grew {rss_growth} kB");
    assert!(peak_growth < BOUND_KB, "VmHWM grew {peak_growth} kB");
}
