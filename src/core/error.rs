//! One error type for the whole library. Each variant has a stable machine-readable `code`
//! (the contract promises these strings never change) and a one-sentence human message.

use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::fmt;

use super::id_token::IdTokenCheck;
use super::redact::Secrets;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A required pointer argument was NULL; names the argument.
    NullArgument(&'static str),
    /// An argument was not valid UTF-8; names the argument.
    InvalidUtf8(&'static str),
    /// The config document is unusable. The message names the key, never its value.
    InvalidConfig(String),
    /// A call argument is unusable (empty code, malformed options, ...).
    InvalidArgument(String),
    /// `http://` to a host that is not loopback.
    InsecureTransport,
    /// No complete reply within the deadline.
    Timeout { timeout_ms: u64 },
    /// DNS failure, refused or reset connection.
    ConnectFailed(String),
    /// Certificate or handshake failure.
    Tls(String),
    /// The provider answered with an RFC 6749 §5.2 error object (no status when the error came
    /// back on the login callback URL rather than in an HTTP reply).
    OAuth {
        http_status: Option<u16>,
        error: String,
        description: Option<String>,
    },
    /// A non-2xx reply without an error object (a proxy's HTML page, a redirect).
    HttpStatus { http_status: u16 },
    /// The reply is not a usable token document.
    InvalidResponse {
        reason: String,
        http_status: Option<u16>,
    },
    /// A login callback that does not belong to the login this app started.
    StateMismatch,
    /// A login callback whose RFC 9207 `iss` is not this app's provider.
    IssuerMismatch,
    /// A session must refresh but holds no refresh token.
    NoRefreshToken,
    /// The id_token failed verification; names the check, never the token.
    IdTokenInvalid(IdTokenCheck),
    /// A blocking call was made from a library thread, where waiting would deadlock.
    ReentrantCall,
    /// A bug was caught at the boundary.
    Internal(String),
    /// The provider accepted the grant, then the call failed (id_token verification, the
    /// deadline): `cause` is the failure, `refresh_token` the one the reply carried, which may be
    /// a rotated one that the caller must keep — the old one may already be dead.
    AfterGrant {
        cause: Box<Error>,
        refresh_token: String,
    },
}

impl Error {
    /// The failure itself, without what came with it.
    pub fn cause(&self) -> &Error {
        match self {
            Error::AfterGrant { cause, .. } => cause.cause(),
            other => other,
        }
    }

    /// The refresh token of a grant the provider accepted before the call failed.
    pub fn refresh_token(&self) -> Option<&str> {
        match self {
            Error::AfterGrant { refresh_token, .. } => Some(refresh_token),
            _ => None,
        }
    }

    /// The stable code of the contract's error table.
    pub fn code(&self) -> &'static str {
        match self.cause() {
            Error::NullArgument(_) => "null_argument",
            Error::InvalidUtf8(_) => "invalid_utf8",
            Error::InvalidConfig(_) => "invalid_config",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::InsecureTransport => "insecure_transport",
            Error::Timeout { .. } => "timeout",
            Error::ConnectFailed(_) => "connect_failed",
            Error::Tls(_) => "tls",
            Error::OAuth { .. } => "oauth_error",
            Error::HttpStatus { .. } => "http_status",
            Error::InvalidResponse { .. } => "invalid_response",
            Error::IdTokenInvalid(_) => "id_token_invalid",
            Error::StateMismatch => "state_mismatch",
            Error::IssuerMismatch => "issuer_mismatch",
            Error::NoRefreshToken => "no_refresh_token",
            Error::ReentrantCall => "reentrant_call",
            Error::Internal(_) => "internal",
            Error::AfterGrant { .. } => unreachable!("cause() unwraps AfterGrant"),
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self.cause() {
            Error::HttpStatus { http_status } => Some(*http_status),
            Error::OAuth { http_status, .. } | Error::InvalidResponse { http_status, .. } => {
                *http_status
            }
            _ => None,
        }
    }

    /// Removes every secret from every text this error carries. Provider text is hostile
    /// input: a broken or malicious server may echo the secret or the code back to us.
    pub fn redact(self, secrets: &Secrets) -> Error {
        let r = |s: String| secrets.redact(&s);
        match self {
            Error::InvalidConfig(m) => Error::InvalidConfig(r(m)),
            Error::InvalidArgument(m) => Error::InvalidArgument(r(m)),
            Error::ConnectFailed(m) => Error::ConnectFailed(r(m)),
            Error::Tls(m) => Error::Tls(r(m)),
            Error::OAuth {
                http_status,
                error,
                description,
            } => Error::OAuth {
                http_status,
                error: r(error),
                description: description.map(r),
            },
            Error::InvalidResponse {
                reason,
                http_status,
            } => Error::InvalidResponse {
                reason: r(reason),
                http_status,
            },
            Error::Internal(m) => Error::Internal(r(m)),
            Error::AfterGrant {
                cause,
                refresh_token,
            } => Error::AfterGrant {
                cause: Box::new(cause.redact(secrets)),
                refresh_token,
            },
            other => other,
        }
    }

    /// The `error` object of a failure document.
    pub fn to_json(&self) -> Value {
        let this = self.cause();
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code()));
        error.insert("message".into(), json!(this.to_string()));
        if let Some(status) = this.http_status() {
            error.insert("http_status".into(), json!(status));
        }
        if let Error::OAuth {
            error: oauth_error,
            description,
            ..
        } = this
        {
            error.insert("oauth_error".into(), json!(bounded(oauth_error)));
            if let Some(d) = description {
                error.insert("oauth_error_description".into(), json!(bounded(d)));
            }
        }
        if let Error::IdTokenInvalid(check) = this {
            error.insert("reason".into(), json!(check.as_str()));
        }
        Value::Object(error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NullArgument(name) => write!(f, "the argument `{name}` is NULL"),
            Error::InvalidUtf8(name) => write!(f, "the argument `{name}` is not valid UTF-8"),
            Error::InvalidConfig(m) => write!(f, "invalid config: {m}"),
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::InsecureTransport => f.write_str(
                "refusing plain http:// to a host that is not loopback: secrets would cross the network in clear",
            ),
            Error::Timeout { timeout_ms } => {
                write!(f, "no complete reply from the provider within {timeout_ms} ms")
            }
            Error::ConnectFailed(m) => write!(f, "could not reach the provider: {m}"),
            Error::Tls(m) => write!(f, "TLS failure talking to the provider: {m}"),
            Error::OAuth { error, .. } => {
                write!(f, "the provider rejected the request: {}", bounded(error))
            }
            Error::HttpStatus { http_status } => write!(
                f,
                "the provider answered HTTP {http_status} without an OAuth error object"
            ),
            Error::InvalidResponse { reason, .. } => {
                write!(f, "the provider's reply is unusable: {reason}")
            }
            Error::StateMismatch => f.write_str(
                "the callback's state is not this login's: it may be forged or from another login",
            ),
            Error::IssuerMismatch => {
                f.write_str("the callback's iss names another provider than this app's")
            }
            Error::NoRefreshToken => f.write_str(
                "the access token has expired and the session holds no refresh token: sign in again",
            ),
            Error::IdTokenInvalid(check) => {
                write!(f, "the id_token failed verification: {}", check.describe())
            }
            Error::ReentrantCall => f.write_str(
                "a blocking call was made from a library callback thread; use the _async functions there",
            ),
            Error::Internal(m) => write!(f, "internal error (a bug in libgenauth): {m}"),
            Error::AfterGrant { cause, .. } => cause.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

/// Longest provider text shown; a hostile server could send megabytes of description.
const MAX_PROVIDER_TEXT: usize = 512;

/// Provider text cut to `MAX_PROVIDER_TEXT` characters. Applied when an error is shown, so after
/// `redact`: a secret that straddles the cut is replaced whole instead of surviving in part.
fn bounded(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(MAX_PROVIDER_TEXT) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}
