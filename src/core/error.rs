//! One error type for the whole library. Each variant has a stable machine-readable `code`
//! (the contract promises these strings never change) and a one-sentence human message.

use std::borrow::Cow;
use std::fmt;

pub use super::error_code::ErrorCode;
use super::id_token::IdTokenCheck;
use super::redact::Secrets;

#[derive(Clone, PartialEq, Eq)]
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
    /// A device poll's window ended while the provider still said `authorization_pending`.
    AuthorizationPending { waited_seconds: u32 },
    /// A loopback login saw no callback within its timeout.
    LoginTimeout { timeout_seconds: u64 },
    /// No browser could be opened, and the caller gave no function to hand the URL to.
    BrowserFailed(String),
    /// The provider accepted the grant, then the call failed (id_token verification, the
    /// deadline): `cause` is the failure, `refresh_token` the one the reply carried, which may be
    /// a rotated one that the caller must keep — the old one may already be dead.
    AfterGrant {
        cause: Box<Error>,
        refresh_token: zeroize::Zeroizing<String>,
    },
    /// A transport or status failure with the URL it happened at (scheme, host, port, path; no
    /// query) and, when the config looks wrong, a hint.
    At {
        cause: Box<Error>,
        url: String,
        hint: Option<&'static str>,
    },
}

impl Error {
    /// The failure itself, without what came with it.
    pub fn cause(&self) -> &Error {
        match self {
            Error::AfterGrant { cause, .. } | Error::At { cause, .. } => cause.cause(),
            other => other,
        }
    }

    /// The refresh token of a grant the provider accepted before the call failed.
    pub fn refresh_token(&self) -> Option<&str> {
        match self {
            Error::AfterGrant { refresh_token, .. } => Some(refresh_token.as_str()),
            Error::At { cause, .. } => cause.refresh_token(),
            _ => None,
        }
    }

    /// This error with the URL it happened at, when it is a transport failure, a timeout or an
    /// HTTP status (the others name their cause already). `hint` is added to the message.
    pub fn at(self, url: &url::Url, hint: Option<&'static str>) -> Error {
        match self {
            Error::ConnectFailed(_)
            | Error::Tls(_)
            | Error::Timeout { .. }
            | Error::HttpStatus { .. } => Error::At {
                cause: Box::new(self),
                url: super::log::url_for_log(url),
                hint,
            },
            other => other,
        }
    }

    /// The stable code of the contract's error table, as it appears in documents.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable code of the contract's error table.
    pub fn error_code(&self) -> ErrorCode {
        match self.cause() {
            Error::NullArgument(_) => ErrorCode::NullArgument,
            Error::InvalidUtf8(_) => ErrorCode::InvalidUtf8,
            Error::InvalidConfig(_) => ErrorCode::InvalidConfig,
            Error::InvalidArgument(_) => ErrorCode::InvalidArgument,
            Error::InsecureTransport => ErrorCode::InsecureTransport,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::ConnectFailed(_) => ErrorCode::ConnectFailed,
            Error::Tls(_) => ErrorCode::Tls,
            Error::OAuth { .. } => ErrorCode::OauthError,
            Error::HttpStatus { .. } => ErrorCode::HttpStatus,
            Error::InvalidResponse { .. } => ErrorCode::InvalidResponse,
            Error::IdTokenInvalid(_) => ErrorCode::IdTokenInvalid,
            Error::StateMismatch => ErrorCode::StateMismatch,
            Error::IssuerMismatch => ErrorCode::IssuerMismatch,
            Error::NoRefreshToken => ErrorCode::NoRefreshToken,
            Error::ReentrantCall => ErrorCode::ReentrantCall,
            Error::Internal(_) => ErrorCode::Internal,
            Error::AuthorizationPending { .. } => ErrorCode::AuthorizationPending,
            Error::LoginTimeout { .. } => ErrorCode::LoginTimeout,
            Error::BrowserFailed(_) => ErrorCode::BrowserFailed,
            Error::AfterGrant { .. } | Error::At { .. } => {
                unreachable!("cause() unwraps AfterGrant and At")
            }
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

    /// Removes the secrets from the texts of this error that come from outside the library.
    /// Provider text is hostile input: a broken or malicious server may echo the secret or the
    /// code back to us, so the OAuth `error` and `error_description` are searched for every
    /// secret, whatever its length (after being cut to a bounded length, see `PROVIDER_TEXT_KEPT`).
    /// Transport and OS messages (`connect_failed`, `tls`) are searched for secrets of 8 characters
    /// or more, so that a short value cannot garble them. Every other text is the library's own
    /// words (fixed reasons, names of keys and arguments) and is left as is.
    pub fn redact(self, secrets: &Secrets) -> Error {
        let provider = |s: String| secrets.redact_cut(&s, PROVIDER_TEXT_KEPT);
        match self {
            Error::ConnectFailed(m) => Error::ConnectFailed(secrets.redact_long(&m)),
            Error::Tls(m) => Error::Tls(secrets.redact_long(&m)),
            Error::OAuth {
                http_status,
                error,
                description,
            } => Error::OAuth {
                http_status,
                error: provider(error),
                description: description.map(provider),
            },
            Error::AfterGrant {
                cause,
                refresh_token,
            } => Error::AfterGrant {
                cause: Box::new(cause.redact(secrets)),
                refresh_token,
            },
            Error::At { cause, url, hint } => Error::At {
                cause: Box::new(cause.redact(secrets)),
                url: secrets.redact_long(&url),
                hint,
            },
            other => other,
        }
    }

    /// The provider's RFC 6749 `error` (an OAuth error only), as shown: cut to a bounded length.
    pub fn oauth_error(&self) -> Option<Cow<'_, str>> {
        match self.cause() {
            Error::OAuth { error, .. } => Some(bounded(error)),
            _ => None,
        }
    }

    /// The provider's `error_description`, when it sent one, as shown: cut to a bounded length.
    pub fn oauth_error_description(&self) -> Option<Cow<'_, str>> {
        match self.cause() {
            Error::OAuth {
                description: Some(d),
                ..
            } => Some(bounded(d)),
            _ => None,
        }
    }

    /// The id_token check that failed (`id_token_invalid` only).
    pub fn reason(&self) -> Option<&'static str> {
        match self.cause() {
            Error::IdTokenInvalid(check) => Some(check.as_str()),
            _ => None,
        }
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
            Error::AuthorizationPending { waited_seconds } => write!(
                f,
                "the user has not approved the device yet (waited {waited_seconds} s); poll again"
            ),
            Error::LoginTimeout { timeout_seconds } => write!(
                f,
                "no login callback reached the loopback listener within {timeout_seconds} s"
            ),
            Error::BrowserFailed(m) => write!(f, "could not open a browser: {m}"),
            Error::AfterGrant { cause, .. } => cause.fmt(f),
            Error::At { cause, url, hint } => {
                write!(f, "{cause} (at {url})")?;
                match hint {
                    Some(hint) => write!(f, "; {hint}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for Error {}

// The code and the status only: provider and transport texts may hold what `redact` did not see
// (a debug line printed before redaction, or a secret shorter than it looks for).
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.code());
        if let Some(status) = self.http_status() {
            d.field("http_status", &status);
        }
        if let Error::IdTokenInvalid(check) = self.cause() {
            d.field("reason", &check.as_str());
        }
        d.finish()
    }
}

/// Longest provider text shown; a hostile server could send megabytes of description.
const MAX_PROVIDER_TEXT: usize = 512;

/// Provider text kept for redaction: what is shown, plus room for a secret (in any of its forms)
/// that starts before the cut to be found whole. Bounds the cost of redaction too.
pub const PROVIDER_TEXT_KEPT: usize = MAX_PROVIDER_TEXT + 8192;

/// Provider text cut to `MAX_PROVIDER_TEXT` characters. Applied when an error is shown, so after
/// `redact`: a secret that straddles the cut is replaced whole instead of surviving in part.
fn bounded(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(MAX_PROVIDER_TEXT) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::redact::REDACTED;

    fn secrets() -> Secrets {
        Secrets::new()
            .with(Some("s"))
            .with(Some("characters"))
            .with(Some("client-secret-value"))
    }

    #[test]
    fn the_librarys_own_words_are_not_redacted() {
        let own = [
            Error::InvalidArgument(
                "`code_verifier` must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)"
                    .into(),
            ),
            Error::InvalidConfig("`appSecret` must be a string".into()),
            Error::InvalidResponse {
                reason: "the reply is not a JSON object".into(),
                http_status: Some(200),
            },
            Error::Internal("the OS random source failed".into()),
        ];
        for e in own {
            assert_eq!(e.clone().redact(&secrets()), e);
        }
    }

    #[test]
    fn transport_text_is_redacted_of_long_secrets_only() {
        let e = Error::ConnectFailed("Connection refused (client-secret-value)".into());
        assert_eq!(
            e.redact(&secrets()),
            Error::ConnectFailed("Connection refused ([redacted])".into())
        );
        let e = Error::Tls("invalid peer certificate: characters".into());
        assert_eq!(
            e.redact(&secrets()),
            Error::Tls("invalid peer certificate: [redacted]".into())
        );
    }

    #[test]
    fn provider_text_is_redacted_of_every_secret() {
        let e = Error::OAuth {
            http_status: Some(400),
            error: "invalid_grant s".into(),
            description: Some("client-secret-value%20is wrong".into()),
        };
        let e = e.redact(&secrets());
        assert_eq!(e.oauth_error().unwrap(), "invalid_grant [redacted]");
        assert_eq!(
            e.oauth_error_description().unwrap(),
            "[redacted]%20i[redacted] wrong"
        );
    }

    #[test]
    fn provider_text_is_cut_before_redaction() {
        let long = format!(
            "{}client-secret-value{}",
            "x".repeat(505),
            "y".repeat(1 << 20)
        );
        let e = Error::OAuth {
            http_status: Some(400),
            error: "invalid_grant".into(),
            description: Some(long),
        };
        let Error::OAuth {
            description: Some(d),
            ..
        } = e.redact(&secrets())
        else {
            unreachable!()
        };
        // The secret, 8180 of the 1 MiB of `y`, and a mark that the text was cut.
        let kept_y = PROVIDER_TEXT_KEPT - 505 - "client-secret-value".len();
        assert_eq!(d.chars().count(), 505 + REDACTED.len() + kept_y + 1);
        assert!(d.starts_with(&format!("{}[redacted]y", "x".repeat(505))));
        assert!(d.ends_with('…'));
    }

    #[test]
    fn debug_shows_the_code_and_status_not_the_texts() {
        let errors = [
            Error::OAuth {
                http_status: Some(400),
                error: "invalid_grant hush-1".into(),
                description: Some("hush-2".into()),
            },
            Error::ConnectFailed("hush-3".into()),
            Error::Tls("hush-4".into()),
            Error::InvalidArgument("hush-5".into()),
            Error::InvalidConfig("hush-6".into()),
            Error::InvalidResponse {
                reason: "hush-7".into(),
                http_status: None,
            },
            Error::Internal("hush-8".into()),
        ];
        for e in errors {
            let shown = format!("{e:?} {e:#?}");
            assert!(!shown.contains("hush"), "{shown}");
            assert!(shown.contains(e.code()), "{shown}");
        }
        let e = Error::HttpStatus { http_status: 502 };
        assert_eq!(
            format!("{e:?}"),
            r#"Error { code: "http_status", http_status: 502 }"#
        );
    }
}
