//! The login callback: does it belong to the login this app started, and what does it carry?

use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use url::Url;
use zeroize::Zeroizing;

use super::authorize::unique_query;
use super::error::Error;

#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// Wiped from memory when dropped (the copy in `to_json`'s document is the caller's).
    pub code: Zeroizing<String>,
    pub state: String,
}

// The code is a secret; the state was in the login URL.
impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &"[redacted]")
            .field("state", &self.state)
            .finish()
    }
}

impl Callback {
    pub fn to_json(&self) -> Value {
        json!({"code": self.code.as_str(), "state": self.state})
    }
}

/// Checks, in this order: `state` (constant time; a callback that carries `error=` and no
/// state is reported as that error), RFC 9207 `iss` when present, `error=`, then `code`.
pub fn parse_callback(
    callback_url: &str,
    expected_state: &str,
    expected_issuer: &str,
) -> Result<Callback, Error> {
    if expected_state.is_empty() {
        // An app that lost its stored state must not accept a callback with `state=` empty.
        return Err(Error::InvalidArgument("`expected_state` is empty".into()));
    }
    let url = Url::parse(callback_url)
        .map_err(|_| Error::InvalidArgument("the callback is not an absolute URL".into()))?;
    let params = unique_query(&url)?;
    let text = |k: &str| params.get(k).and_then(Value::as_str);

    match text("state") {
        Some(state) if bool::from(state.as_bytes().ct_eq(expected_state.as_bytes())) => {}
        None if text("error").is_some() => return Err(callback_error(&params)),
        _ => return Err(Error::StateMismatch),
    }
    if let Some(iss) = text("iss") {
        if iss != expected_issuer {
            return Err(Error::IssuerMismatch);
        }
    }
    if text("error").is_some() {
        return Err(callback_error(&params));
    }
    match text("code") {
        Some(code) if !code.is_empty() => Ok(Callback {
            code: Zeroizing::new(code.to_owned()),
            state: expected_state.to_owned(),
        }),
        _ => Err(Error::InvalidArgument(
            "the callback carries no code".into(),
        )),
    }
}

fn callback_error(params: &serde_json::Map<String, Value>) -> Error {
    super::token_reply::oauth_error(None, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://x.genauth.ai/oidc";

    fn parse(url: &str) -> Result<Callback, Error> {
        parse_callback(url, "st-1", ISS)
    }

    #[test]
    fn good_callback_gives_the_code() {
        let c = parse("https://app/cb?code=c-1&state=st-1&iss=https%3A%2F%2Fx.genauth.ai%2Foidc")
            .unwrap();
        assert_eq!(c.code.as_str(), "c-1");
        assert_eq!(
            parse("com.example.app:/cb?code=c-2&state=st-1")
                .unwrap()
                .code
                .as_str(),
            "c-2"
        );
    }

    #[test]
    fn checks_in_the_contract_order() {
        let cases = [
            ("https://app/cb?code=c&state=other", "state_mismatch"),
            ("https://app/cb?code=c", "state_mismatch"),
            (
                "https://app/cb?error=access_denied&state=other",
                "state_mismatch",
            ),
            ("https://app/cb?error=access_denied", "oauth_error"),
            (
                "https://app/cb?code=c&state=st-1&iss=https%3A%2F%2Fevil%2Foidc",
                "issuer_mismatch",
            ),
            (
                "https://app/cb?error=access_denied&state=st-1&iss=https%3A%2F%2Fevil",
                "issuer_mismatch",
            ),
            (
                "https://app/cb?error=access_denied&error_description=no&state=st-1",
                "oauth_error",
            ),
            ("https://app/cb?state=st-1", "invalid_argument"),
            (
                "https://app/cb?code=a&code=b&state=st-1",
                "invalid_argument",
            ),
            (
                "https://app/cb?code=a&state=st-1&state=st-1",
                "invalid_argument",
            ),
            ("not a url", "invalid_argument"),
            ("https://app/cb?code=c&state=", "state_mismatch"),
        ];
        for (url, code) in cases {
            assert_eq!(parse(url).unwrap_err().code(), code, "{url}");
        }
    }

    #[test]
    fn debug_shows_no_code() {
        let c = parse("https://app/cb?code=the-code-123&state=st-1").unwrap();
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("the-code-123"), "{shown}");
        assert!(shown.contains("st-1"), "{shown}");
    }

    #[test]
    fn empty_expected_state_is_refused() {
        let e = parse_callback("https://app/cb?code=c&state=", "", ISS).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
    }

    #[test]
    fn callback_error_is_reported_without_status() {
        let e =
            parse("https://app/cb?error=access_denied&error_description=user+said+no&state=st-1")
                .unwrap_err();
        let doc = e.to_json();
        assert_eq!(doc["oauth_error"], "access_denied");
        assert_eq!(doc["oauth_error_description"], "user said no");
        assert!(doc.get("http_status").is_none());
    }
}
