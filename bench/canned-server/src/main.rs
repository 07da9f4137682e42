//! A canned OpenID Connect token endpoint for benchmarks: as fast as a server can be, so that
//! what a benchmark measures is the client.
//!
//! - `POST /oidc/token` answers a refresh_token grant authenticated with client_secret_post
//!   (`client_id`, `client_secret`, `grant_type=refresh_token`, `refresh_token` in the form
//!   body) with one fixed, realistic token document (JWT-shaped access_token and id_token,
//!   refresh_token, token_type, expires_in, scope). A request that is not exactly that gets
//!   the RFC 6749 error a real provider would send, so a client that sends the wrong thing
//!   shows up as errors, not as speed.
//! - `GET /oidc/.well-known/openid-configuration` answers 404: the canned id_token carries
//!   plausible claims (iss, aud, exp, iat, sub) but a made-up signature, so nothing can verify it.
//! - `GET /stats` answers counters as JSON: requests, token calls accepted and refused,
//!   connections accepted, requests with Basic authentication.
//!
//! HTTP/1.1 with keep-alive on 127.0.0.1 only. By default one thread serves everything (a
//! current-thread runtime), so the server takes at most one of the machine's cores.
//! Prints `{"ready":true,"port":N,"issuer":"..."}` on stdout when listening. Stops on SIGTERM or
//! SIGINT, or by itself after `--max-seconds` (default 1800).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

struct Options {
    port: u16,
    threads: usize,
    max_seconds: u64,
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

fn usage(message: &str) -> ! {
    eprintln!("canned-server: {message}");
    eprintln!(
        "usage: canned-server [--port N] [--threads N] [--max-seconds N] [--client-id ID] \
         [--client-secret SECRET] [--refresh-token TOKEN]"
    );
    std::process::exit(2)
}

fn parse_options() -> Options {
    let mut o = Options {
        port: 0,
        threads: 1,
        max_seconds: 1800,
        client_id: "bench-app".into(),
        client_secret: "bench-app-secret".into(),
        refresh_token: "canned-refresh-token-3q2+7w==".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--port" => o.port = value().parse().unwrap_or_else(|_| usage("bad --port")),
            "--threads" => o.threads = value().parse().unwrap_or_else(|_| usage("bad --threads")),
            "--max-seconds" => {
                o.max_seconds = value()
                    .parse()
                    .unwrap_or_else(|_| usage("bad --max-seconds"))
            }
            "--client-id" => o.client_id = value(),
            "--client-secret" => o.client_secret = value(),
            "--refresh-token" => o.refresh_token = value(),
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if o.threads == 0 {
        usage("--threads must be at least 1");
    }
    o
}

#[derive(Default)]
struct Stats {
    requests: AtomicU64,
    token_ok: AtomicU64,
    token_refused: AtomicU64,
    connections: AtomicU64,
    basic_auth: AtomicU64,
}

struct State {
    stats: Stats,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    token_document: Bytes,
}

/// Deterministic filler bytes for the made-up signatures (xorshift).
fn filler(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

fn jwt(header: &str, payload: &str, seed: u64) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        // An RS256 signature is 256 bytes; this one is noise of that size.
        URL_SAFE_NO_PAD.encode(filler(256, seed))
    )
}

/// The fixed reply: shaped like a real provider's (about 1.6 KB), with claims that a client that
/// checks claims without the signature (openid-client) accepts.
fn token_document(issuer: &str, client_id: &str, refresh_token: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Valid for a day: longer than any benchmark run.
    let exp = now + 86_400;
    let scope = "openid profile email offline_access";
    let access_token = jwt(
        r#"{"alg":"RS256","typ":"at+jwt","kid":"canned-key-1"}"#,
        &format!(
            r#"{{"iss":"{issuer}","sub":"user-1","aud":"{issuer}/resource","client_id":"{client_id}","scope":"{scope}","jti":"b3f1c6e0-5f5c-4d8c-9a57-3c1d2e4f5a6b","iat":{now},"exp":{exp}}}"#
        ),
        0x9e37_79b9_7f4a_7c15,
    );
    let id_token = jwt(
        r#"{"alg":"RS256","typ":"JWT","kid":"canned-key-1"}"#,
        &format!(
            r#"{{"iss":"{issuer}","sub":"user-1","aud":"{client_id}","iat":{now},"exp":{exp},"auth_time":{now},"name":"Alice Example","email":"alice@example.com","email_verified":true}}"#
        ),
        0xc2b2_ae3d_27d4_eb4f,
    );
    format!(
        r#"{{"access_token":"{access_token}","expires_in":3600,"id_token":"{id_token}","refresh_token":"{refresh_token}","scope":"{scope}","token_type":"Bearer"}}"#
    )
}

fn reply(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<Full<Bytes>> {
    reply(
        status,
        Bytes::from(format!(
            r#"{{"error":"{error}","error_description":"{description}"}}"#
        )),
    )
}

async fn token(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes().starts_with(b"Basic "))
    {
        state.stats.basic_auth.fetch_add(1, Ordering::Relaxed);
    }
    let form_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body = match Limited::new(request.into_body(), 64 * 1024).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "unreadable body",
            )
        }
    };
    if !form_type {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "only application/x-www-form-urlencoded bodies are supported",
        );
    }
    let (mut grant_type, mut client_id, mut client_secret, mut refresh_token) =
        (None, None, None, None);
    for (key, value) in form_urlencoded::parse(&body) {
        let slot = match key.as_ref() {
            "grant_type" => &mut grant_type,
            "client_id" => &mut client_id,
            "client_secret" => &mut client_secret,
            "refresh_token" => &mut refresh_token,
            _ => continue,
        };
        *slot = Some(value);
    }
    if grant_type.as_deref() != Some("refresh_token") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "unsupported grant_type requested",
        );
    }
    if client_id.as_deref() != Some(state.client_id.as_str())
        || client_secret.as_deref() != Some(state.client_secret.as_str())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    if refresh_token.as_deref() != Some(state.refresh_token.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "grant request is invalid",
        );
    }
    reply(StatusCode::OK, state.token_document.clone())
}

async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    state.stats.requests.fetch_add(1, Ordering::Relaxed);
    let response = match (request.method(), request.uri().path()) {
        (&Method::POST, "/oidc/token") => {
            let response = token(&state, request).await;
            let counter = if response.status() == StatusCode::OK {
                &state.stats.token_ok
            } else {
                &state.stats.token_refused
            };
            counter.fetch_add(1, Ordering::Relaxed);
            response
        }
        (&Method::GET, "/stats") => {
            let s = &state.stats;
            let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
            reply(
                StatusCode::OK,
                Bytes::from(format!(
                    r#"{{"requests":{},"token_ok":{},"token_refused":{},"connections":{},"basic_auth":{}}}"#,
                    load(&s.requests),
                    load(&s.token_ok),
                    load(&s.token_refused),
                    load(&s.connections),
                    load(&s.basic_auth)
                )),
            )
        }
        // Discovery (and everything else) is not here: clients fall back or are configured not
        // to ask.
        _ => oauth_error(StatusCode::NOT_FOUND, "not_found", "no such route"),
    };
    Ok(response)
}

async fn serve(options: Options) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port))).await?;
    let port = listener.local_addr()?.port();
    let issuer = format!("http://127.0.0.1:{port}/oidc");
    let state = Arc::new(State {
        stats: Stats::default(),
        token_document: Bytes::from(token_document(
            &issuer,
            &options.client_id,
            &options.refresh_token,
        )),
        client_id: options.client_id,
        client_secret: options.client_secret,
        refresh_token: options.refresh_token,
    });
    println!(r#"{{"ready":true,"port":{port},"issuer":"{issuer}"}}"#);

    let accept = async {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            state.stats.connections.fetch_add(1, Ordering::Relaxed);
            let state = state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| handle(state.clone(), request));
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = accept => {}
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = tokio::time::sleep(Duration::from_secs(options.max_seconds)) => {
            eprintln!("canned-server: stopping after {} s (--max-seconds)", options.max_seconds);
        }
    }
    Ok(())
}

fn main() {
    let options = parse_options();
    let runtime = if options.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads)
            .enable_all()
            .build()
    };
    let runtime = runtime.unwrap_or_else(|e| {
        eprintln!("canned-server: cannot start the runtime: {e}");
        std::process::exit(1)
    });
    if let Err(e) = runtime.block_on(serve(options)) {
        eprintln!("canned-server: {e}");
        std::process::exit(1);
    }
}
