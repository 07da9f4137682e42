//! The config document: parsed by hand from JSON so that no error message can quote a value
//! (serde's typed errors print the offending value, which may be the client secret).

use serde_json::{Map, Value};
use std::net::IpAddr;
use std::time::Duration;
use url::{Host, Url};
use zeroize::Zeroizing;

use super::error::Error;
use super::redact::MIN_SECRET_CHARS;

pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
pub const MAX_TIMEOUT_MS: u64 = 300_000;
pub const DEFAULT_CLOCK_SKEW_SECONDS: u64 = 60;
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretPost,
    ClientSecretBasic,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Oidc,
    OAuth,
}

impl Protocol {
    pub fn path_segment(self) -> &'static str {
        match self {
            Protocol::Oidc => "oidc",
            Protocol::OAuth => "oauth",
        }
    }
}

/// Where `https://` requests to hosts other than loopback go. Loopback hosts and plain `http://`
/// (allowed only for loopback) always go direct: see `proxy`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub enum ProxySetting {
    /// No `proxy` key: `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`, read when a pool is built.
    #[default]
    Environment,
    /// `"proxy": "none"`.
    Direct,
    /// An `http://` or `https://` proxy; its credentials, if any, are never printed.
    Url(Url),
}

impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxySetting::Environment => f.write_str("Environment"),
            ProxySetting::Direct => f.write_str("Direct"),
            ProxySetting::Url(url) => {
                let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
                let credentials = !url.username().is_empty() || url.password().is_some();
                write!(
                    f,
                    "Url({}://{}{port}{})",
                    url.scheme(),
                    url.host_str().unwrap_or(""),
                    if credentials {
                        ", with credentials"
                    } else {
                        ""
                    }
                )
            }
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub app_id: String,
    /// Present whenever `auth_method` is not `None`; at least `MIN_SECRET_CHARS` characters.
    /// Wiped from memory when the config is dropped (see `app_secret()` for a `&str`).
    pub app_secret: Option<Zeroizing<String>>,
    /// Normalised: a scheme, no trailing `/`.
    pub app_host: Url,
    /// Kept exactly as given: the provider compares it byte for byte with the login request's.
    pub redirect_uri: Option<String>,
    pub auth_method: AuthMethod,
    pub protocol: Protocol,
    pub timeout: Duration,
    pub ca_cert_pem: Option<String>,
    pub validate_id_token: bool,
    pub clock_skew: Duration,
    pub proxy: ProxySetting,
}

// The secret must never reach a log line through `{:?}`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("app_id", &self.app_id)
            .field(
                "app_secret",
                &self.app_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("app_host", &self.app_host.as_str())
            .field("redirect_uri", &self.redirect_uri)
            .field("auth_method", &self.auth_method)
            .field("protocol", &self.protocol)
            .field("timeout", &self.timeout)
            .field("ca_cert_pem", &self.ca_cert_pem.is_some())
            .field("validate_id_token", &self.validate_id_token)
            .field("clock_skew", &self.clock_skew)
            .field("proxy", &self.proxy)
            .finish()
    }
}

const KEYS: &[&str] = &[
    "appId",
    "appSecret",
    "appHost",
    "redirectUri",
    "tokenEndPointAuthMethod",
    "protocol",
    "timeoutMs",
    "caCertPem",
    "validateIdToken",
    "clockSkewSeconds",
    "proxy",
];

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidConfig(message.into())
}

impl Config {
    /// Parses and validates a config document.
    pub fn from_json(text: &str) -> Result<Config, Error> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| invalid(format!("not a JSON document ({})", syntax_only(&e))))?;
        let Value::Object(map) = value else {
            return Err(invalid("the config must be a JSON object"));
        };
        Config::from_map(&map)
    }

    pub fn from_map(map: &Map<String, Value>) -> Result<Config, Error> {
        if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            // A key name is not a secret, but a hostile caller could put anything there.
            let shown: String = unknown.chars().take(64).collect();
            return Err(invalid(format!(
                "unknown key `{shown}` (keys are case-sensitive: {})",
                KEYS.join(", ")
            )));
        }

        let app_id = required_string(map, "appId")?;
        let app_secret = optional_string(map, "appSecret")?
            .filter(|s| !s.is_empty())
            .map(Zeroizing::new);
        // A secret this short is guessable, and a short value cannot be told apart from the
        // words around it when it is removed from error messages.
        if app_secret
            .as_ref()
            .is_some_and(|s| s.chars().count() < MIN_SECRET_CHARS)
        {
            return Err(invalid(format!(
                "`appSecret` must be at least {MIN_SECRET_CHARS} characters"
            )));
        }
        let auth_method = match optional_string(map, "tokenEndPointAuthMethod")?.as_deref() {
            None | Some("client_secret_post") => AuthMethod::ClientSecretPost,
            Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
            Some("none") => AuthMethod::None,
            Some(_) => return Err(invalid(
                "`tokenEndPointAuthMethod` must be client_secret_post, client_secret_basic or none",
            )),
        };
        if auth_method != AuthMethod::None && app_secret.is_none() {
            return Err(invalid(
                "`appSecret` is required unless `tokenEndPointAuthMethod` is none",
            ));
        }
        let protocol = match optional_string(map, "protocol")?.as_deref() {
            None | Some("oidc") => Protocol::Oidc,
            Some("oauth") => Protocol::OAuth,
            Some(_) => return Err(invalid("`protocol` must be oidc or oauth")),
        };
        let app_host = parse_app_host(&required_string(map, "appHost")?)?;
        let redirect_uri = match optional_string(map, "redirectUri")? {
            Some(uri) => {
                Url::parse(&uri).map_err(|_| invalid("`redirectUri` is not an absolute URL"))?;
                Some(uri)
            }
            None => None,
        };
        let timeout_ms =
            optional_integer(map, "timeoutMs", 1, MAX_TIMEOUT_MS)?.unwrap_or(DEFAULT_TIMEOUT_MS);
        let ca_cert_pem = optional_string(map, "caCertPem")?;
        if let Some(pem) = &ca_cert_pem {
            super::tls::parse_roots(pem)?;
        }
        let validate_id_token = match map.get("validateIdToken") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid("`validateIdToken` must be a boolean")),
        };
        let clock_skew = optional_integer(map, "clockSkewSeconds", 0, MAX_CLOCK_SKEW_SECONDS)?
            .unwrap_or(DEFAULT_CLOCK_SKEW_SECONDS);
        // The value may carry the proxy's password: the message names the key only.
        let proxy = match optional_string(map, "proxy")?.as_deref() {
            None => ProxySetting::Environment,
            Some("none") => ProxySetting::Direct,
            Some(text) => ProxySetting::Url(proxy_url(text).ok_or_else(|| {
                invalid("`proxy` must be \"none\" or an absolute http:// or https:// URL")
            })?),
        };

        Ok(Config {
            app_id,
            app_secret,
            app_host,
            redirect_uri,
            auth_method,
            protocol,
            timeout: Duration::from_millis(timeout_ms),
            ca_cert_pem,
            validate_id_token,
            clock_skew: Duration::from_secs(clock_skew),
            proxy,
        })
    }

    /// `{appHost}/{protocol}/{path}`: GenAuth's endpoints are oidc-provider's routes under a prefix.
    pub fn endpoint(&self, path: &str) -> Url {
        let mut url = self.app_host.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/{}/{path}", self.protocol.path_segment()));
        url
    }

    /// The client secret, when there is one.
    pub fn app_secret(&self) -> Option<&str> {
        self.app_secret.as_deref().map(String::as_str)
    }

    pub fn timeout_ms(&self) -> u64 {
        self.timeout.as_millis() as u64
    }
}

/// serde_json's syntax errors name a position and a category, never the text; keep it that way
/// by printing only those parts.
fn syntax_only(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "data error",
        serde_json::error::Category::Eof => "unexpected end",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

fn required_string(map: &Map<String, Value>, key: &str) -> Result<String, Error> {
    match optional_string(map, key)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(invalid(format!("`{key}` is required"))),
    }
}

fn optional_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("`{key}` must be a string"))),
    }
}

fn optional_integer(
    map: &Map<String, Value>,
    key: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(invalid(format!(
                "`{key}` must be an integer from {min} to {max}"
            ))),
        },
    }
}

/// The Node SDK's rules: `https://` when no scheme is given, a trailing `/` ignored. Plain
/// `http://` only for loopback, since the secret and the tokens would cross the network in clear.
fn parse_app_host(raw: &str) -> Result<Url, Error> {
    let trimmed = raw.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|_| invalid("`appHost` is not a valid URL"))?;
    if url.host().is_none() {
        return Err(invalid("`appHost` has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("`appHost` must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("`appHost` must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(Error::InsecureTransport),
        _ => return Err(invalid("`appHost` must be an https:// URL")),
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// An absolute `http://` or `https://` URL with a host: the proxies a tunnel can go through.
pub fn proxy_url(text: &str) -> Option<Url> {
    let url = Url::parse(text).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests;
