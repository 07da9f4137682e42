//! The login callback and the options parsers on arbitrary text: the input is split at the first
//! two NULs into callback URL, expected state and options JSON. Never a panic.
#![no_main]

use genauth::core::{parse_callback, AuthorizeOptions, CallbackExpectations, ExchangeOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let (url, state, options) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let expected = CallbackExpectations {
        state,
        issuer: "https://x.genauth.ai/oidc",
        redirect_uri: Some("https://app.example/cb"),
        iss_required: state.len() % 2 == 0,
    };
    match parse_callback(url, &expected) {
        Ok(cb) => assert!(!cb.code.is_empty() && cb.state == state),
        Err(e) => assert!(matches!(
            e.code(),
            "invalid_argument" | "state_mismatch" | "issuer_mismatch" | "oauth_error"
        )),
    }
    if let Err(e) = ExchangeOptions::from_json(options) {
        assert_eq!(e.code(), "invalid_argument");
    }
    if let Err(e) = AuthorizeOptions::from_json(options) {
        assert_eq!(e.code(), "invalid_argument");
    }
});
