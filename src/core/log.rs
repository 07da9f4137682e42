//! One process-wide log sink. Registration swaps one atomic pointer (no lock: a forked child
//! never finds one held); every message is one line, redacted before it reaches the sink.

use std::time::Duration;

use super::redact::Secrets;
use crate::kept_slot::KeptSlot;

/// How much a message matters: 1 error … 5 trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(i32)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    /// Each HTTP exchange: method, URL without query, status, duration.
    Debug = 4,
    Trace = 5,
}

/// What receives the messages: one line each, already redacted.
pub type Sink = Box<dyn Fn(Level, &str) + Send + Sync>;

struct Registered {
    max_level: i32,
    sink: Sink,
}

static CURRENT: KeptSlot<Registered> = KeptSlot::new();

/// Makes `sink` the process's log sink for messages up to `max_level` (1..=5); `None`, or a
/// level below 1, turns logging off.
///
/// A replaced sink is never freed: a message being delivered on another thread may still be
/// using it. Each registration therefore keeps a few bytes for the life of the process.
pub fn set_sink(sink: Option<Sink>, max_level: i32) {
    CURRENT.set(match sink {
        Some(sink) if max_level >= 1 => Some(Registered {
            max_level: max_level.min(Level::Trace as i32),
            sink,
        }),
        _ => None,
    });
}

fn current() -> Option<&'static Registered> {
    CURRENT.get()
}

/// Whether a message at `level` would reach a sink (so that building it can be skipped).
pub fn enabled(level: Level) -> bool {
    current().is_some_and(|r| level as i32 <= r.max_level)
}

/// Sends one message, with every secret of `secrets` removed and line breaks replaced.
pub fn emit(level: Level, secrets: &Secrets, message: &str) {
    let Some(registered) = current() else {
        return;
    };
    if level as i32 > registered.max_level {
        return;
    }
    let line: String = secrets
        .redact(message)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(2048)
        .collect();
    (registered.sink)(level, &line);
}

/// The URL as logged: scheme, host, port and path; never the query, fragment or credentials.
pub fn url_for_log(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

/// One HTTP exchange, at `Debug`.
pub fn exchange(
    secrets: &Secrets,
    method: &str,
    url: &url::Url,
    outcome: Result<u16, &str>,
    took: Duration,
) {
    if !enabled(Level::Debug) {
        return;
    }
    let ms = took.as_millis();
    let message = match outcome {
        Ok(status) => format!("HTTP {method} {} -> {status} in {ms} ms", url_for_log(url)),
        Err(code) => format!(
            "HTTP {method} {} failed ({code}) after {ms} ms",
            url_for_log(url)
        ),
    };
    emit(Level::Debug, secrets, &message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_query_fragment_and_credentials() {
        let url = url::Url::parse("https://u:p@h.example/oidc/token?code=c#f").unwrap();
        assert_eq!(url_for_log(&url), "https://h.example:443/oidc/token");
    }
}
