use super::*;
use crate::core::config::Config;

fn config(method: &str) -> Config {
    Config::from_json(&format!(
        r#"{{"appId":"app 1","appSecret":"se:cr+et/=","appHost":"https://x.genauth.ai",
            "redirectUri":"https://app.example/cb?x=1","tokenEndPointAuthMethod":"{method}"}}"#
    ))
    .unwrap()
}

fn header<'a>(req: &'a FormPost, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

const CODE: Grant<'static> = Grant::AuthorizationCode {
    code: "the-code",
    code_verifier: None,
};

#[test]
fn post_puts_credentials_in_the_body_in_sdk_order() {
    let req = token_request(&config("client_secret_post"), CODE).unwrap();
    assert_eq!(req.url.as_str(), "https://x.genauth.ai/oidc/token");
    assert_eq!(
        req.body.as_str(),
        "client_id=app+1&client_secret=se%3Acr%2Bet%2F%3D&grant_type=authorization_code\
         &code=the-code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1"
    );
    assert_eq!(header(&req, "authorization"), None);
    assert_eq!(header(&req, "content-type"), Some(FORM_CONTENT_TYPE));
    assert_eq!(header(&req, "accept"), Some("application/json"));
    assert_eq!(header(&req, "x-genauth-app-id"), Some("app 1"));
}

#[test]
fn basic_form_encodes_id_and_secret_before_base64() {
    let req = token_request(&config("client_secret_basic"), CODE).unwrap();
    // base64("app+1:se%3Acr%2Bet%2F%3D")
    assert_eq!(
        header(&req, "authorization"),
        Some("Basic YXBwKzE6c2UlM0FjciUyQmV0JTJGJTNE")
    );
    assert!(!req.body.contains("client_secret"));
    assert!(!req.body.contains("client_id"));
    assert!(req.body.starts_with("grant_type=authorization_code&"));
}

#[test]
fn none_sends_only_the_client_id() {
    let c = Config::from_json(
        r#"{"appId":"pub","appHost":"https://x","redirectUri":"app:/cb","tokenEndPointAuthMethod":"none"}"#,
    )
    .unwrap();
    let verifier = "a".repeat(43);
    let req = token_request(
        &c,
        Grant::AuthorizationCode {
            code: "c",
            code_verifier: Some(&verifier),
        },
    )
    .unwrap();
    assert_eq!(
        req.body.as_str(),
        format!("client_id=pub&grant_type=authorization_code&code=c&redirect_uri=app%3A%2Fcb&code_verifier={verifier}")
    );
    assert_eq!(header(&req, "authorization"), None);
}

#[test]
fn refresh_grant_fields() {
    let req = token_request(
        &config("client_secret_post"),
        Grant::RefreshToken {
            refresh_token: "r t",
        },
    )
    .unwrap();
    assert!(
        req.body
            .ends_with("&grant_type=refresh_token&refresh_token=r+t"),
        "{}",
        req.body.as_str()
    );
    assert!(!req.body.contains("redirect_uri"));
    assert!(!req.body.contains("scope"));
}

#[test]
fn oauth_protocol_changes_the_prefix() {
    let c = Config::from_json(
        r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","protocol":"oauth"}"#,
    )
    .unwrap();
    let req = token_request(&c, Grant::RefreshToken { refresh_token: "r" }).unwrap();
    assert_eq!(req.url.as_str(), "https://x/oauth/token");
}

#[test]
fn bad_arguments() {
    let c = config("client_secret_post");
    let e = token_request(
        &c,
        Grant::AuthorizationCode {
            code: "",
            code_verifier: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    let e = token_request(&c, Grant::RefreshToken { refresh_token: "" }).unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    for v in ["short", &"a".repeat(129), &format!("{}!", "a".repeat(43))] {
        let e = token_request(
            &c,
            Grant::AuthorizationCode {
                code: "c",
                code_verifier: Some(v),
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "{v}");
    }
    let no_redirect =
        Config::from_json(r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x"}"#)
            .unwrap();
    let e = token_request(&no_redirect, CODE).unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert!(e.to_string().contains("redirectUri"));
}

#[test]
fn secrets_cover_everything_sent() {
    let req = token_request(&config("client_secret_basic"), CODE).unwrap();
    let echoed = format!(
        "{} {}",
        req.body.as_str(),
        header(&req, "authorization").unwrap()
    );
    let scrubbed = req.secrets.redact(&echoed);
    for s in [
        "se:cr+et/=",
        "se%3Acr%2Bet%2F%3D",
        "the-code",
        "YXBwKzE6c2UlM0FjciUyQmV0JTJGJTNE",
    ] {
        assert!(!scrubbed.contains(s), "{s} in {scrubbed}");
    }
    // base64 of the pair as is ("app 1:se:cr+et/="), what a server that does not form-encode
    // would echo.
    let raw_pair = base64::engine::general_purpose::STANDARD.encode("app 1:se:cr+et/=");
    assert_eq!(req.secrets.redact(&raw_pair), "[redacted]");
}

#[test]
fn debug_shows_no_secret() {
    let verifier = "v".repeat(43);
    let grants = [
        Grant::AuthorizationCode {
            code: "the-code",
            code_verifier: Some(&verifier),
        },
        Grant::RefreshToken {
            refresh_token: "the-refresh-token",
        },
    ];
    for grant in grants {
        let shown = format!("{grant:?} {grant:#?}");
        assert!(!shown.contains("the-") && !shown.contains("vvv"), "{shown}");
        let req = token_request(&config("client_secret_basic"), grant);
        let shown = format!("{req:?} {req:#?}");
        for secret in ["the-", "vvv", "se:cr", "se%3A", "YXBwKzE6"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
