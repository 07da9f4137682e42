//! The one piece that touches the network: sends a `FormPost` with reqwest, reads at most
//! `MAX_REPLY_BYTES`, and maps transport failures onto the error codes.

use std::error::Error as StdError;
use std::time::SystemTime;
use url::Url;

use super::config::ProxySetting;
use super::error::Error;
use super::log;
use super::proxy::Route;
use super::redact::Secrets;
use super::tls;
use super::token_reply::MAX_REPLY_BYTES;
use super::token_request::FormPost;

pub struct HttpReply {
    pub status: u16,
    pub body: Vec<u8>,
    pub received_at: SystemTime,
}

/// A connection pool. Redirects are never followed: a 3xx from a token endpoint is an error,
/// and following it would hand the client secret to whatever host the redirect names.
///
/// The only proxy rule is `proxy::Route` (reqwest's own reading of the environment and of the
/// system settings is off), so loopback and plain `http://` always go direct. A proxy from the
/// environment is read now, once per pool.
pub fn build_http_client(
    ca_cert_pem: Option<&str>,
    proxy: &ProxySetting,
) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("libgenauth/", env!("CARGO_PKG_VERSION")))
        .tls_backend_preconfigured(tls::client_config(ca_cert_pem)?)
        .tcp_nodelay(true)
        .no_proxy();
    // Without a route, no custom proxy at all: reqwest would ask it about every request.
    if let Some(route) = Route::of(proxy) {
        builder = builder.proxy(route.into_reqwest());
    }
    builder.build().map_err(|e| {
        Error::Internal(format!(
            "could not build the HTTP client: {}",
            innermost(&e)
        ))
    })
}

pub async fn send(http: &reqwest::Client, request: &FormPost) -> Result<HttpReply, Error> {
    // This copy belongs to the HTTP stack (reqwest, hyper, the socket buffers) and is not wiped
    // when it is done with it; the request's own body is.
    let mut builder = http
        .post(request.url.clone())
        .body(String::clone(&request.body));
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    if request.body.is_empty() {
        // hyper sends no length for an empty body, and a provider then sees no form at all.
        builder = builder.header("content-length", "0");
    }
    logged(&request.secrets, "POST", &request.url, read_reply(builder)).await
}

tokio::task_local! {
    /// The URL of the request a tracked call sent last: what a timeout names.
    static IN_FLIGHT: std::sync::Arc<std::sync::Mutex<Option<Url>>>;
}

/// Runs `call`, returning also the URL of the last request it sent (or was sending when it
/// was stopped), for the message of a timeout. Nested calls share the outer one's record.
pub async fn tracking<T>(call: impl std::future::Future<Output = T>) -> (T, Option<Url>) {
    let read = |cell: &std::sync::Mutex<Option<Url>>| {
        cell.lock().unwrap_or_else(|p| p.into_inner()).clone()
    };
    if IN_FLIGHT.try_with(|_| ()).is_ok() {
        let out = call.await;
        let url = IN_FLIGHT.try_with(|c| read(c)).ok().flatten();
        return (out, url);
    }
    let cell = std::sync::Arc::new(std::sync::Mutex::new(None));
    let out = IN_FLIGHT.scope(cell.clone(), call).await;
    let url = read(&cell);
    (out, url)
}

/// Runs one exchange and logs it (at debug level: method, URL without query, status or error
/// code, duration).
async fn logged(
    secrets: &Secrets,
    method: &str,
    url: &Url,
    exchange: impl std::future::Future<Output = Result<HttpReply, Error>>,
) -> Result<HttpReply, Error> {
    let started = std::time::Instant::now();
    let _ = IN_FLIGHT.try_with(|cell| {
        *cell.lock().unwrap_or_else(|p| p.into_inner()) = Some(url.clone());
    });
    let result = exchange.await;
    let outcome = match &result {
        Ok(reply) => Ok(reply.status),
        Err(e) => Err(e.code()),
    };
    log::exchange(secrets, method, url, outcome, started.elapsed());
    result
}

/// A GET for a JSON document (discovery, JWKS, userinfo).
pub async fn get(
    http: &reqwest::Client,
    url: &Url,
    headers: &[(&'static str, String)],
) -> Result<HttpReply, Error> {
    let mut builder = http.get(url.clone()).header("accept", "application/json");
    let mut secrets = Secrets::new();
    for (name, value) in headers {
        builder = builder.header(*name, value);
        secrets.add(value);
        if let Some(token) = value.strip_prefix("Bearer ") {
            secrets.add(token);
        }
    }
    logged(&secrets, "GET", url, read_reply(builder)).await
}

/// Sends and reads at most `MAX_REPLY_BYTES` of the body, whatever the server claims or sends.
async fn read_reply(builder: reqwest::RequestBuilder) -> Result<HttpReply, Error> {
    let mut response = builder.send().await.map_err(|e| classify(&e))?;
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|len| len > MAX_REPLY_BYTES as u64)
    {
        return Err(too_large(status));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(too_large(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpReply {
        status,
        body,
        received_at: SystemTime::now(),
    })
}

fn too_large(status: u16) -> Error {
    Error::InvalidResponse {
        reason: format!("the reply is larger than {} bytes", MAX_REPLY_BYTES),
        http_status: Some(status),
    }
}

/// reqwest reports TLS failures as connect errors whose `source()` chain may skip the rustls
/// error inside an `io::Error`, so the chain is walked by hand, looking through io errors too.
fn classify(e: &reqwest::Error) -> Error {
    if e.is_builder() {
        // The request never left: a header value (a Bearer token, the appId) held a control
        // character. The caller's argument is wrong; retrying the connection would not help.
        return Error::InvalidArgument(
            "a value of this call cannot be sent in an HTTP header (control character)".into(),
        );
    }
    if let Some(tls) = find_tls_error(e) {
        return Error::Tls(tls.to_string());
    }
    if e.is_body() || e.is_decode() {
        if let Some(kind) = io_kind(e) {
            return Error::ConnectFailed(format!("the connection failed mid-reply ({kind})"));
        }
        return Error::InvalidResponse {
            reason: "the reply body was cut short".into(),
            http_status: None,
        };
    }
    Error::ConnectFailed(innermost(e))
}

fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |&e: &&'a (dyn StdError + 'static)| {
        e.source().or_else(|| {
            e.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn StdError + 'static))
        })
    })
}

fn find_tls_error(e: &reqwest::Error) -> Option<&rustls::Error> {
    chain(e).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// The kind of a failed connection (reset, aborted, ...). A clean close before the end of the
/// body (`UnexpectedEof`) is not one: the server sent a reply that is cut short.
fn io_kind(e: &reqwest::Error) -> Option<std::io::ErrorKind> {
    chain(e)
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .map(|io| io.kind())
        .find(|k| {
            !matches!(
                k,
                std::io::ErrorKind::Other | std::io::ErrorKind::UnexpectedEof
            )
        })
}

/// The most specific cause ("Connection refused (os error 111)", "dns error: ..."): the
/// outer layers only repeat the URL.
fn innermost(e: &(dyn StdError + 'static)) -> String {
    let last = chain(e).last().unwrap_or(e);
    let text = last.to_string();
    text.chars().take(200).collect()
}
