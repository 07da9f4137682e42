//! The reply parsers on arbitrary bytes (the first two bytes are the HTTP status): token
//! replies, JSON replies (introspection, userinfo) and discovery documents. Never a panic; a
//! token document it accepts has a non-empty access_token and came with a 2xx status.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use genauth::core::testing::parse_metadata;
use genauth::core::testing::{parse_json_reply, parse_token_reply};
use libfuzzer_sys::fuzz_target;

fn config() -> genauth::core::Config {
    genauth::core::Config::from_json(
        r#"{"appId":"a","appSecret":"secret-123","appHost":"https://x.genauth.ai"}"#,
    )
    .expect("a valid config")
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]) % 600;
    let body = &data[2..];
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    match parse_token_reply(status, body, at) {
        Ok(tokens) => {
            assert!((200..300).contains(&status));
            assert!(!tokens.access_token.is_empty());
            let _ = tokens.to_object();
        }
        Err(e) => {
            assert!(matches!(
                e.code(),
                "oauth_error" | "http_status" | "invalid_response"
            ));
            let _ = (e.to_string(), e.oauth_error_description());
        }
    }
    if let Err(e) = parse_json_reply(status, body) {
        assert!(matches!(
            e.code(),
            "oauth_error" | "http_status" | "invalid_response"
        ));
    }
    if let Ok(m) = parse_metadata(&config(), status, body) {
        // Whatever it says, a document is only accepted for appHost's issuer and origin.
        assert_eq!(m.issuer, "https://x.genauth.ai/oidc");
        assert_eq!(m.token_endpoint.origin(), m.jwks_uri.origin());
    }
});
