//! A fast loopback token endpoint for stress, leak and unload tests: keep-alive HTTP/1.1 (hyper),
//! every POST to `/oidc/token` or `/oauth/token` answered with one fixed, realistic token
//! document, every other request (discovery included) with 404. The token document carries no
//! id_token, so the default config works: discovery fails and the library posts to GenAuth's
//! documented token path.
//!
//!     cargo run --release --example fast_token_server [-- --max-seconds N]
//!
//! Prints the port it listens on (127.0.0.1) as the first line of stdout, then serves until
//! killed or for `--max-seconds` (default 900), whichever comes first: it never outlives a
//! forgotten test run by long. On exit it prints how many token requests it answered.

use std::convert::Infallible;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Shaped like GenAuth's reply: a JWT-sized access token, a refresh token, the usual fields.
const TOKENS: &str = concat!(
    r#"{"access_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZhc3Qtc2VydmVyIn0."#,
    r#"eyJqdGkiOiJmYXN0LXNlcnZlci10b2tlbiIsInN1YiI6InVzZXItMSIsImlhdCI6MTcwMDAwMDAwMCwi"#,
    r#"ZXhwIjoxNzAwMDA3MjAwLCJzY29wZSI6Im9wZW5pZCBwcm9maWxlIG9mZmxpbmVfYWNjZXNzIiwiaXNz"#,
    r#"IjoiaHR0cDovLzEyNy4wLjAuMS9vaWRjIiwiYXVkIjoiYXBwLXBvc3QifQ."#,
    r#"c2lnbmF0dXJlLW9mLXRoZS1mYXN0LXRva2VuLXNlcnZlci1ub3QtYS1yZWFsLW9uZS0wMTIzNDU2Nzg5"#,
    r#"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXpBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWjAxMjM0NTY3","#,
    r#""token_type":"Bearer","expires_in":7200,"#,
    r#""refresh_token":"fast-server-refresh-token-0123456789abcdefghijklmnopqrstuvwxyz","#,
    r#""scope":"openid profile offline_access"}"#
);

fn main() {
    let max_seconds = std::env::args()
        .skip_while(|a| a != "--max-seconds")
        .nth(1)
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(900);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let served = Arc::new(AtomicU64::new(0));
    let counted = served.clone();
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let port = listener.local_addr().expect("an address").port();
        println!("{port}");
        std::io::stdout().flush().expect("stdout");
        let serve = async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let counted = counted.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(request, counted.clone()));
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(max_seconds), serve).await;
    });
    eprintln!(
        "fast_token_server: answered {} token requests",
        served.load(Ordering::Relaxed)
    );
}

async fn answer(
    request: Request<Incoming>,
    served: Arc<AtomicU64>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let is_token = request.method() == Method::POST
        && matches!(request.uri().path(), "/oidc/token" | "/oauth/token");
    // Read the whole request so the connection can carry the next one.
    let _ = request.into_body().collect().await;
    let (status, body) = if is_token {
        served.fetch_add(1, Ordering::Relaxed);
        (StatusCode::OK, TOKENS)
    } else {
        (StatusCode::NOT_FOUND, r#"{"error":"not_found"}"#)
    };
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("a response"))
}
