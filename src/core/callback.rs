//! The login callback: does it belong to the login this app started, and what does it carry?

use serde_json::Value;
use subtle::ConstantTimeEq;
use url::Url;
use zeroize::Zeroizing;

use super::authorize::unique_query;
use super::error::Error;

#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// Wiped from memory when dropped (the copy in a result document is the caller's).
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

/// What a callback must match to belong to the login this app started.
#[derive(Debug, Clone, Copy)]
pub struct CallbackExpectations<'a> {
    /// The `state` of the login request.
    pub state: &'a str,
    /// The provider's issuer, for RFC 9207's `iss`.
    pub issuer: &'a str,
    /// The configured `redirectUri`: the callback must have its scheme, host, port and path.
    pub redirect_uri: Option<&'a str>,
    /// Discovery says the provider always sends `iss` (RFC 9207 §2.4): a callback without it is
    /// refused.
    pub iss_required: bool,
}

/// Checks, in this order: the URL is the `redirectUri`, `state` (constant time; a callback with
/// `error=` needs the login's state too, or anyone could make the app report their text), RFC
/// 9207 `iss` (when present, or always when required), `error=`, then `code`.
pub fn parse_callback(
    callback_url: &str,
    expected: &CallbackExpectations<'_>,
) -> Result<Callback, Error> {
    if expected.state.is_empty() {
        // An app that lost its stored state must not accept a callback with `state=` empty.
        return Err(Error::InvalidArgument("`expected_state` is empty".into()));
    }
    let url = Url::parse(callback_url)
        .map_err(|_| Error::InvalidArgument("the callback is not an absolute URL".into()))?;
    let redirect_uri = expected.redirect_uri.ok_or_else(|| {
        Error::InvalidConfig("`redirectUri` is required to check a callback".into())
    })?;
    if !same_endpoint(&url, redirect_uri) {
        return Err(Error::InvalidArgument(
            "the callback URL is not the configured redirectUri (scheme, host, port and path)"
                .into(),
        ));
    }
    let params = unique_query(&url)?;
    let text = |k: &str| params.get(k).and_then(Value::as_str);

    match text("state") {
        Some(state) if bool::from(state.as_bytes().ct_eq(expected.state.as_bytes())) => {}
        _ => return Err(Error::StateMismatch),
    }
    match text("iss") {
        Some(iss) if iss != expected.issuer => return Err(Error::IssuerMismatch),
        None if expected.iss_required => return Err(Error::IssuerMismatch),
        _ => {}
    }
    if text("error").is_some() {
        return Err(callback_error(&params));
    }
    match text("code") {
        Some(code) if !code.is_empty() => Ok(Callback {
            code: Zeroizing::new(code.to_owned()),
            state: expected.state.to_owned(),
        }),
        _ => Err(Error::InvalidArgument(
            "the callback carries no code".into(),
        )),
    }
}

/// Scheme, host, port and path equal (query and fragment aside): where the provider was told to
/// send the user.
fn same_endpoint(callback: &Url, redirect_uri: &str) -> bool {
    let Ok(expected) = Url::parse(redirect_uri) else {
        return false;
    };
    callback.scheme() == expected.scheme()
        && callback.host() == expected.host()
        && callback.port_or_known_default() == expected.port_or_known_default()
        && callback.path() == expected.path()
}

fn callback_error(params: &serde_json::Map<String, Value>) -> Error {
    super::token_reply::oauth_error(None, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://x.genauth.ai/oidc";

    fn expect(state: &str) -> CallbackExpectations<'_> {
        CallbackExpectations {
            state,
            issuer: ISS,
            redirect_uri: Some("https://app/cb"),
            iss_required: false,
        }
    }

    fn parse(url: &str) -> Result<Callback, Error> {
        parse_callback(url, &expect("st-1"))
    }

    #[test]
    fn good_callback_gives_the_code() {
        let c = parse("https://app/cb?code=c-1&state=st-1&iss=https%3A%2F%2Fx.genauth.ai%2Foidc")
            .unwrap();
        assert_eq!(c.code.as_str(), "c-1");
        let custom_scheme = CallbackExpectations {
            redirect_uri: Some("com.example.app:/cb"),
            ..expect("st-1")
        };
        assert_eq!(
            parse_callback("com.example.app:/cb?code=c-2&state=st-1", &custom_scheme)
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
            // An error without the login's state could come from anyone.
            ("https://app/cb?error=access_denied", "state_mismatch"),
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
        let e = parse_callback("https://app/cb?code=c&state=", &expect("")).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
    }

    #[test]
    fn callback_must_land_on_the_redirect_uri() {
        for url in [
            "http://app/cb?code=c&state=st-1",
            "https://evil/cb?code=c&state=st-1",
            "https://app:8443/cb?code=c&state=st-1",
            "https://app/cb/x?code=c&state=st-1",
            "https://app/?code=c&state=st-1",
            "com.example.app:/cb?code=c&state=st-1",
        ] {
            assert_eq!(parse(url).unwrap_err().code(), "invalid_argument", "{url}");
        }
        assert!(parse("https://app:443/cb?code=c&state=st-1#frag").is_ok());
        let no_redirect = CallbackExpectations {
            redirect_uri: None,
            ..expect("st-1")
        };
        let e = parse_callback("https://app/cb?code=c&state=st-1", &no_redirect).unwrap_err();
        assert_eq!(e.code(), "invalid_config");
    }

    #[test]
    fn iss_is_required_when_the_provider_says_it_sends_it() {
        let required = CallbackExpectations {
            iss_required: true,
            ..expect("st-1")
        };
        let e = parse_callback("https://app/cb?code=c&state=st-1", &required).unwrap_err();
        assert_eq!(e.code(), "issuer_mismatch");
        let ok = "https://app/cb?code=c&state=st-1&iss=https%3A%2F%2Fx.genauth.ai%2Foidc";
        assert_eq!(parse_callback(ok, &required).unwrap().code.as_str(), "c");
    }

    #[test]
    fn callback_error_is_reported_without_status() {
        let e =
            parse("https://app/cb?error=access_denied&error_description=user+said+no&state=st-1")
                .unwrap_err();
        assert_eq!(e.oauth_error().unwrap(), "access_denied");
        assert_eq!(e.oauth_error_description().unwrap(), "user said no");
        assert_eq!(e.http_status(), None);
    }
}
