//! Many threads through the C ABI at once, against a loopback token server: one-shot calls, a
//! shared client, a client per call and `_async` calls, every document a success. The C
//! program tests/c/test_stress.c does the same at 64 x 200 from C; this one is small (16 x 25,
//! GENAUTH_STRESS_THREADS / GENAUTH_STRESS_CALLS change it) and builds under ThreadSanitizer:
//!
//!     RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
//!       cargo +nightly test --release --target x86_64-unknown-linux-gnu --test concurrency
//!
//! Without `-Zbuild-std` (which needs the rust-src component) the standard library is not
//! instrumented, so its Mutex, Arc and channel synchronisation is invisible to TSan and shows up
//! as false reports; only a run with an instrumented std says something.

mod support {
    pub mod canned_server;
    pub mod ffi;
    pub mod scenario_server;
}

use std::time::Duration;

use support::canned_server::http_response;
use support::ffi::{self, code, Client};
use support::scenario_server::{Behaviour, ScenarioServer};

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mixed_calls_from_many_threads() {
    let body = br#"{"access_token":"at-c","token_type":"Bearer","expires_in":3600}"#;
    let server = ScenarioServer::start(Behaviour::Bytes(http_response(
        "200 OK",
        &[("content-type", "application/json")],
        body,
    )));
    let config = format!(
        r#"{{"appId":"app-c","appSecret":"s3cret-value","appHost":"{}","redirectUri":"http://127.0.0.1:8976/callback","timeoutMs":30000}}"#,
        server.url
    );
    let shared = Client::new(&config).unwrap();
    let (threads, calls) = (
        count("GENAUTH_STRESS_THREADS", 16),
        count("GENAUTH_STRESS_CALLS", 25),
    );
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (config, shared) = (&config, &shared);
            scope.spawn(move || {
                for i in 0..calls {
                    let doc = match (t + i) % 4 {
                        0 => ffi::refresh(config, "rt").doc,
                        1 => shared.refresh("rt").doc,
                        2 => Client::new(config).unwrap().refresh("rt").doc,
                        _ => shared.refresh_async("rt", Duration::from_secs(60)).doc,
                    };
                    assert_eq!(code(&doc), "ok", "{doc}");
                }
            });
        }
    });
}
