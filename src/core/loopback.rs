//! Desktop and command-line login (RFC 8252 §7.3): a one-shot listener on 127.0.0.1 receives
//! the browser's callback, which is checked and exchanged with PKCE like any other login.

use serde_json::{Map, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::authorize::AuthorizeOptions;
use super::client::{Client, ExchangeOptions};
use super::error::Error;
use super::tokens::Tokens;

pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(300);
/// The callback path when the config has no `redirectUri`.
pub const DEFAULT_CALLBACK_PATH: &str = "/callback";
/// Longest callback request read.
const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// `{"scope", "prompt", "extraParams", "port", "timeoutSeconds"}`, every key optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackOptions {
    pub authorize: AuthorizeOptions,
    /// 0: any free port.
    pub port: u16,
    pub timeout: Duration,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        LoopbackOptions {
            authorize: AuthorizeOptions::default(),
            port: 0,
            timeout: DEFAULT_LOGIN_TIMEOUT,
        }
    }
}

impl LoopbackOptions {
    pub fn from_json(text: Option<&str>) -> Result<LoopbackOptions, Error> {
        let Some(text) = text else {
            return Ok(LoopbackOptions::default());
        };
        let invalid = |m: &str| Error::InvalidArgument(format!("login options: {m}"));
        let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(text) else {
            return Err(invalid("not a JSON object"));
        };
        let mut options = LoopbackOptions::default();
        match map.remove("port") {
            None | Some(Value::Null) => {}
            Some(v) => {
                options.port = v
                    .as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| invalid("`port` must be 0..65535"))?;
            }
        }
        match map.remove("timeoutSeconds") {
            None | Some(Value::Null) => {}
            Some(v) => {
                let seconds = v
                    .as_u64()
                    .filter(|s| (1..=3600).contains(s))
                    .ok_or_else(|| invalid("`timeoutSeconds` must be 1..3600"))?;
                options.timeout = Duration::from_secs(seconds);
            }
        }
        let rest = Value::Object(Map::from_iter(map)).to_string();
        options.authorize = AuthorizeOptions::from_json(&rest)?;
        Ok(options)
    }
}

/// How long the opener's exit status is awaited. Without a desktop environment `xdg-open` runs
/// the browser itself in the foreground and exits only when the browser does, so an opener still
/// running then is taken as a browser that opened (and is reaped on a thread of its own).
const OPENER_WAIT: Duration = Duration::from_secs(3);

/// Opens `url` in the system browser: `xdg-open` (or `open` on macOS, the URL protocol handler
/// on Windows — not `cmd /C start`, whose parser would split the URL at each `&` and run the
/// rest as commands).
pub fn open_browser(url: &str) -> Result<(), Error> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let mut child = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| Error::BrowserFailed(format!("{} ({})", command_name(), e.kind())))?;
    let waited = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(Error::BrowserFailed(format!(
                    "{} exited with {status}",
                    command_name()
                )))
            }
            Ok(None) if waited.elapsed() < OPENER_WAIT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => {
                return Err(Error::BrowserFailed(format!(
                    "{} ({})",
                    command_name(),
                    e.kind()
                )))
            }
            Ok(None) => {
                // Still running: the browser itself, in the foreground.
                let _ = std::thread::Builder::new()
                    .name("genauth-opener".into())
                    .spawn(move || child.wait());
                return Ok(());
            }
        }
    }
}

fn command_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "rundll32 url.dll,FileProtocolHandler"
    } else {
        "xdg-open"
    }
}

impl Client {
    /// A whole login through a loopback redirect: listens on 127.0.0.1 (`options.port`, 0 for
    /// any), builds the authorize URL with `redirect_uri` `http://127.0.0.1:PORT{path of
    /// redirectUri}`, hands it to `on_url`, waits up to `options.timeout` for the callback,
    /// answers the browser with a short page, checks state and `iss`, exchanges the code with
    /// PKCE and verifies the id_token.
    pub async fn login_loopback(
        &self,
        options: &LoopbackOptions,
        on_url: impl FnOnce(&str) -> Result<(), Error>,
    ) -> Result<Tokens, Error> {
        let listener = TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(|e| {
                Error::InvalidArgument(format!(
                    "cannot listen on 127.0.0.1:{} for the login callback ({})",
                    options.port,
                    e.kind()
                ))
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Internal(format!("no local address ({})", e.kind())))?
            .port();
        let path = self
            .config
            .redirect_uri
            .as_deref()
            .and_then(|r| url::Url::parse(r).ok())
            .map(|u| u.path().to_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_CALLBACK_PATH.to_owned());
        let redirect_uri = format!("http://127.0.0.1:{port}{path}");
        let mut config = self.config.clone();
        config.redirect_uri = Some(redirect_uri.clone());
        let login = Client::with_shared(config, self.connections.clone(), self.provider().clone());

        let request = login.authorize_url(&options.authorize).await?;
        on_url(request.url.as_str())?;

        let waited = tokio::time::timeout(options.timeout, async {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                if let Some(found) = read_callback(stream, &path).await {
                    return found;
                }
            }
        })
        .await;
        let (mut stream, target) = waited.map_err(|_| Error::LoginTimeout {
            timeout_seconds: options.timeout.as_secs(),
        })?;
        let callback_url = format!("http://127.0.0.1:{port}{target}");
        let result = async {
            let callback = login.parse_callback(&callback_url, &request.state).await?;
            let exchange = ExchangeOptions {
                code_verifier: Some(request.code_verifier.clone()),
                nonce: Some(request.nonce.clone()),
            };
            login.exchange_code(&callback.code, &exchange).await
        }
        .await;
        let page = match &result {
            Ok(_) => page("Signed in", "You are signed in. You may close this window."),
            Err(e) => page(
                "Sign-in failed",
                &format!("Sign-in failed ({}): {}", e.code(), e),
            ),
        };
        let _ = stream.write_all(&page).await;
        let _ = stream.shutdown().await;
        result
    }
}

/// Reads one request; `Some((stream, target))` when it is a GET of the callback path (anything
/// else, a favicon say, is answered 404 and `None`).
async fn read_callback(mut stream: TcpStream, path: &str) -> Option<(TcpStream, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 2048];
    let read = tokio::time::timeout(REQUEST_READ_TIMEOUT, async {
        while !data.windows(4).any(|w| w == b"\r\n\r\n") && data.len() < MAX_REQUEST_BYTES {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => data.extend_from_slice(&buf[..n]),
            }
        }
        true
    })
    .await;
    if read != Ok(true) {
        return None;
    }
    let head = String::from_utf8_lossy(&data);
    let mut parts = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let target_path = target.split('?').next().unwrap_or("");
    if method == "GET" && target_path == path {
        return Some((stream, target.to_owned()));
    }
    let _ = stream
        .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .await;
    None
}

/// A short HTML page: never a token (the message is an error's, which names none).
fn page(title: &str, message: &str) -> Vec<u8> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><p>{}</p></body></html>",
        escape(title),
        escape(message)
    );
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = LoopbackOptions::from_json(Some(
            r#"{"port":0,"timeoutSeconds":5,"scope":"openid","extraParams":{"a":"b"}}"#,
        ))
        .unwrap();
        assert_eq!(o.timeout, Duration::from_secs(5));
        assert_eq!(o.authorize.scope.as_deref(), Some("openid"));
        for bad in [r#"{"port":70000}"#, r#"{"timeoutSeconds":0}"#, r#"{"x":1}"#] {
            assert_eq!(
                LoopbackOptions::from_json(Some(bad)).unwrap_err().code(),
                "invalid_argument",
                "{bad}"
            );
        }
        assert!(String::from_utf8(page("t", "<b>&"))
            .unwrap()
            .contains("&lt;b&gt;&amp;"));
    }
}
