use super::*;
use std::time::Duration;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn success_keeps_every_field_and_adds_expires_at() {
    let body = br#"{"access_token":"at","id_token":"it","refresh_token":"rt","token_type":"Bearer",
                    "expires_in":7200,"scope":"openid","custom":{"x":[1]}}"#;
    let t = parse_token_reply(200, body, at(1_000)).unwrap().to_object();
    assert_eq!(t["expires_at"], 8_200);
    assert_eq!(t["custom"]["x"][0], 1);
    assert_eq!(t["scope"], "openid");
    let keys: Vec<_> = t.keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "token_type",
            "expires_in",
            "refresh_token",
            "id_token",
            "scope",
            "custom",
            "expires_at"
        ]
    );
}

#[test]
fn expire_in_is_renamed() {
    let t = parse_token_reply(200, br#"{"access_token":"a","expire_in":60}"#, at(10))
        .unwrap()
        .to_object();
    assert_eq!(t["expires_in"], 60);
    assert!(!t.contains_key("expire_in"));
    assert_eq!(t["expires_at"], 70);
}

#[test]
fn expires_in_wins_over_expire_in() {
    let t = parse_token_reply(
        200,
        br#"{"access_token":"a","expire_in":60,"expires_in":30}"#,
        at(0),
    )
    .unwrap()
    .to_object();
    assert_eq!(t["expires_in"], 30);
    assert!(!t.contains_key("expire_in"));
}

#[test]
fn nothing_invented_without_a_lifetime() {
    let t = parse_token_reply(201, br#"{"access_token":"a"}"#, at(0))
        .unwrap()
        .to_object();
    assert_eq!(t.len(), 1);
    let t = parse_token_reply(200, br#"{"access_token":"a","expires_in":"soon"}"#, at(0))
        .unwrap()
        .to_object();
    assert!(!t.contains_key("expires_at"));
}

#[test]
fn oauth_errors_carry_status_and_fields() {
    let e = parse_token_reply(
        400,
        br#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
        at(0),
    )
    .unwrap_err();
    assert_eq!(e.code(), "oauth_error");
    assert_eq!(e.http_status(), Some(400));
    assert_eq!(e.oauth_error().unwrap(), "invalid_grant");
    assert_eq!(
        e.oauth_error_description().unwrap(),
        "grant request is invalid"
    );
    // Some servers say 200 with an error object.
    assert_eq!(
        parse_token_reply(200, br#"{"error":"x"}"#, at(0))
            .unwrap_err()
            .code(),
        "oauth_error"
    );
}

#[test]
fn non_json_and_odd_replies() {
    let cases: &[(u16, &[u8], &str)] = &[
        (502, b"<html>Bad Gateway</html>", "http_status"),
        (302, b"", "http_status"),
        (500, br#"{"message":"boom"}"#, "http_status"),
        (200, b"<html>", "invalid_response"),
        (200, br#"{"token":"a"}"#, "invalid_response"),
        (200, br#"{"access_token":""}"#, "invalid_response"),
        (200, br#"{"access_token":5}"#, "invalid_response"),
        (200, br#"["access_token"]"#, "invalid_response"),
        (200, b"{\"access_token\":\"\xff\xfe\"}", "invalid_response"),
    ];
    for (status, body, code) in cases {
        let e = parse_token_reply(*status, body, at(0)).unwrap_err();
        assert_eq!(
            e.code(),
            *code,
            "{status} {:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn nesting_bomb_is_refused_not_a_stack_overflow() {
    let mut body = "[".repeat(100_000).into_bytes();
    body.extend(std::iter::repeat_n(b']', 100_000));
    assert_eq!(
        parse_token_reply(200, &body, at(0)).unwrap_err().code(),
        "invalid_response"
    );
}

#[test]
fn provider_text_is_bounded() {
    let long = "x".repeat(10_000);
    let body = format!(r#"{{"error":"e","error_description":"{long}"}}"#);
    let e = parse_token_reply(400, body.as_bytes(), at(0)).unwrap_err();
    let d = e.oauth_error_description().unwrap().into_owned();
    assert!(d.chars().count() <= 513, "{}", d.len());
}

#[test]
fn secret_straddling_the_text_limit_is_redacted_whole() {
    // Regression: the text used to be cut before redaction, leaving the secret's first part.
    let secret = "s3cret-straddling-the-cut";
    let secrets = crate::core::redact::Secrets::new().with(Some(secret));
    for pad in [500, 505, 511] {
        let body = format!(
            r#"{{"error":"e","error_description":"{}{secret}"}}"#,
            "x".repeat(pad)
        );
        let e = parse_token_reply(400, body.as_bytes(), at(0))
            .unwrap_err()
            .redact(&secrets);
        let d = e.oauth_error_description().unwrap().into_owned();
        assert!(!d.contains("s3cret"), "{d}");
    }
}

/// The direct path gives what the general path gives, member for member and in the same order,
/// for replies built from the members it knows (of every type, repeated, missing) and others.
#[test]
fn the_direct_path_agrees_with_the_general_one() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let names = prop::sample::select(vec![
        "access_token",
        "token_type",
        "expires_in",
        "expire_in",
        "expires_at",
        "refresh_token",
        "id_token",
        "scope",
        "id_token_claims",
        "custom",
        "other",
    ]);
    let values = prop::sample::select(vec![
        r#""at-1""#,
        r#""""#,
        r#""Bearer""#,
        "3600",
        "-5",
        "1.5",
        r#""600""#,
        "true",
        "null",
        r#"{"iss":"x","sub":"y"}"#,
        "[1,2]",
        r#""a\"b\\c\u0000""#,
    ]);
    let members = prop::collection::vec((names, values), 0..8);
    let mut runner = TestRunner::new(Config::with_cases(3000));
    runner
        .run(&members, |members| {
            let body = format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let direct = super::direct::tokens(body.as_bytes());
            let general = parse_token_reply_generally(200, body.as_bytes(), at(1_000));
            match (&direct, &general) {
                (Some(d), Ok(g)) => {
                    let d = Value::Object(super::with_expiry(d.clone(), at(1_000)).to_object());
                    let g = Value::Object(g.to_object());
                    prop_assert_eq!(d.to_string(), g.to_string(), "{}", body);
                }
                (Some(_), Err(e)) => prop_assert!(false, "{body}: direct ok, general {e:?}"),
                // Left to the general path: fine whatever it gives.
                (None, _) => {}
            }
            Ok(())
        })
        .unwrap();
    // The usual reply does take the direct path.
    let usual =
        br#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"r","x":1}"#;
    assert!(super::direct::tokens(usual).is_some());
}
