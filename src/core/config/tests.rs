use super::*;

fn parse(json: &str) -> Result<Config, Error> {
    Config::from_json(json)
}

const MINIMAL: &str =
    r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x.genauth.ai"}"#;

#[test]
fn defaults_are_the_contracts() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.auth_method, AuthMethod::ClientSecretPost);
    assert_eq!(c.protocol, Protocol::Oidc);
    assert_eq!(c.timeout, Duration::from_millis(10_000));
    assert!(c.validate_id_token);
    assert_eq!(c.clock_skew, Duration::from_secs(60));
    assert_eq!(c.redirect_uri, None);
    assert_eq!(c.ca_cert_pem, None);
}

#[test]
fn every_key_is_accepted() {
    let c = parse(
        r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x.genauth.ai/","redirectUri":"https://app/cb",
            "tokenEndPointAuthMethod":"client_secret_basic","protocol":"oauth","timeoutMs":1234,
            "validateIdToken":false,"clockSkewSeconds":0}"#,
    )
    .unwrap();
    assert_eq!(c.auth_method, AuthMethod::ClientSecretBasic);
    assert_eq!(c.protocol, Protocol::OAuth);
    assert_eq!(c.timeout_ms(), 1234);
    assert!(!c.validate_id_token);
    assert_eq!(c.clock_skew, Duration::ZERO);
    assert_eq!(
        c.endpoint("token").as_str(),
        "https://x.genauth.ai/oauth/token"
    );
}

#[test]
fn app_host_is_normalised() {
    let c = parse(r#"{"appId":"a","appSecret":"s3cret-value","appHost":"x.genauth.ai/"}"#).unwrap();
    assert_eq!(
        c.endpoint("token").as_str(),
        "https://x.genauth.ai/oidc/token"
    );
    let c = parse(r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x.io/tenant/"}"#)
        .unwrap();
    assert_eq!(
        c.endpoint("token").as_str(),
        "https://x.io/tenant/oidc/token"
    );
}

#[test]
fn unknown_and_misspelt_keys_are_rejected() {
    let e = parse(r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","appid":"b"}"#)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert!(e.to_string().contains("`appid`"), "{e}");
}

#[test]
fn required_keys_and_types() {
    for (json, needle) in [
        (
            r#"{"appSecret":"s3cret-value","appHost":"https://x"}"#,
            "appId",
        ),
        (r#"{"appId":"a","appSecret":"s3cret-value"}"#, "appHost"),
        (r#"{"appId":"a","appHost":"https://x"}"#, "appSecret"),
        (
            r#"{"appId":"","appSecret":"s3cret-value","appHost":"https://x"}"#,
            "appId",
        ),
        (
            r#"{"appId":1,"appSecret":"s3cret-value","appHost":"https://x"}"#,
            "appId",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","timeoutMs":0}"#,
            "timeoutMs",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","timeoutMs":300001}"#,
            "timeoutMs",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","timeoutMs":1.5}"#,
            "timeoutMs",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","clockSkewSeconds":601}"#,
            "clockSkewSeconds",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","validateIdToken":"yes"}"#,
            "validateIdToken",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","protocol":"saml"}"#,
            "protocol",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","tokenEndPointAuthMethod":"private_key_jwt"}"#,
            "tokenEndPointAuthMethod",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","redirectUri":"/relative"}"#,
            "redirectUri",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","caCertPem":"not a pem"}"#,
            "caCertPem",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"ftp://x"}"#,
            "appHost",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://u:p@x"}"#,
            "appHost",
        ),
        (
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://"}"#,
            "appHost",
        ),
        ("[1,2]", "object"),
        ("{", "JSON"),
        ("", "JSON"),
    ] {
        let e = parse(json).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{json}");
        assert!(e.to_string().contains(needle), "{json}: {e}");
    }
}

#[test]
fn public_client_needs_no_secret() {
    let c =
        parse(r#"{"appId":"a","appHost":"https://x","tokenEndPointAuthMethod":"none"}"#).unwrap();
    assert_eq!(c.auth_method, AuthMethod::None);
    assert_eq!(c.app_secret, None);
}

#[test]
fn plain_http_only_for_loopback() {
    for host in [
        "http://localhost:3000",
        "http://127.0.0.1:1",
        "http://127.8.9.10",
        "http://[::1]:80",
    ] {
        let json = format!(r#"{{"appId":"a","appSecret":"s3cret-value","appHost":"{host}"}}"#);
        assert!(parse(&json).is_ok(), "{host}");
    }
    for host in [
        "http://example.com",
        "http://10.0.0.1",
        "http://localhost.evil.com",
        "http://[::2]",
    ] {
        let json = format!(r#"{{"appId":"a","appSecret":"s3cret-value","appHost":"{host}"}}"#);
        assert_eq!(
            parse(&json).unwrap_err().code(),
            "insecure_transport",
            "{host}"
        );
    }
}

#[test]
fn no_error_quotes_a_value() {
    let secret = "TOPSECRET-value-123";
    for json in [
        format!(r#"{{"appId":"a","appSecret":["{secret}"],"appHost":"https://x"}}"#),
        format!(r#"{{"appId":"a","appSecret":"s3cret-value","appHost":"{secret} x"}}"#),
        format!(
            r#"{{"appId":"a","appSecret":"{secret}","appHost":"https://x","timeoutMs":"{secret}"}}"#
        ),
        format!(r#"{{"appId":"a","appSecret":"{secret}","appHost":"https://x",}}"#),
        format!(r#"{{"appId":"a","appSecret":"{secret}"#),
    ] {
        let e = parse(&json).unwrap_err();
        assert!(!e.to_string().contains(secret), "{e}");
        assert!(!format!("{e:?}").contains(secret), "{e:?}");
    }
}

#[test]
fn debug_hides_the_secret() {
    let c = parse(MINIMAL).unwrap();
    let shown = format!("{c:?} {c:#?}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[test]
fn short_app_secret_is_refused_naming_the_key_only() {
    // Characters, not bytes: seven two-byte characters are too short.
    for secret in ["short", "s", "1234567", "ééééééé"] {
        let json = format!(r#"{{"appId":"a","appSecret":"{secret}","appHost":"https://x"}}"#);
        let e = parse(&json).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{secret}");
        assert_eq!(
            e.to_string(),
            "invalid config: `appSecret` must be at least 8 characters"
        );
    }
    // Also with a public client: the value would still be used (HS256 id_tokens).
    let e = parse(
        r#"{"appId":"a","appSecret":"short","appHost":"https://x","tokenEndPointAuthMethod":"none"}"#,
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    for secret in ["12345678", "éééééééé"] {
        let json = format!(r#"{{"appId":"a","appSecret":"{secret}","appHost":"https://x"}}"#);
        assert_eq!(parse(&json).unwrap().app_secret(), Some(secret));
    }
    // An empty appSecret is no secret, as before.
    let c = parse(
        r#"{"appId":"a","appSecret":"","appHost":"https://x","tokenEndPointAuthMethod":"none"}"#,
    )
    .unwrap();
    assert_eq!(c.app_secret(), None);
}

#[test]
fn proxy_is_the_environment_none_or_an_http_url() {
    let with = |value: &str| {
        parse(&format!(
            r#"{{"appId":"a","appSecret":"s3cret-value","appHost":"https://x","proxy":{value}}}"#
        ))
    };
    assert_eq!(parse(MINIMAL).unwrap().proxy, ProxySetting::Environment);
    assert_eq!(with("null").unwrap().proxy, ProxySetting::Environment);
    assert_eq!(with(r#""none""#).unwrap().proxy, ProxySetting::Direct);
    for url in [
        "http://127.0.0.1:3128",
        "https://proxy.example:8443/",
        "http://user:pw@proxy.example",
    ] {
        let c = with(&format!(r#""{url}""#)).unwrap();
        assert_eq!(
            c.proxy,
            ProxySetting::Url(Url::parse(url).unwrap()),
            "{url}"
        );
    }
    let secret = "pw-SECRET-proxy";
    for value in [
        "5".to_owned(),
        "true".to_owned(),
        r#""""#.to_owned(),
        r#""None""#.to_owned(),
        r#""ftp://x""#.to_owned(),
        r#""not a url""#.to_owned(),
        r#""proxy.example:3128""#.to_owned(),
        format!(r#""socks5://u:{secret}@proxy.example""#),
        format!(r#""http://u:{secret}@""#),
    ] {
        let e = with(&value).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{value}");
        assert!(e.to_string().contains("`proxy`"), "{value}: {e}");
        assert!(!e.to_string().contains(secret), "{e}");
    }
}

#[test]
fn debug_hides_the_proxy_credentials() {
    let c = parse(
        r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x",
            "proxy":"http://proxy-user:pw-SECRET@proxy.example:3128/path"}"#,
    )
    .unwrap();
    let shown = format!("{c:?}");
    assert!(
        shown.contains("Url(http://proxy.example:3128, with credentials)"),
        "{shown}"
    );
    for hidden in ["proxy-user", "pw-SECRET", "/path"] {
        assert!(!shown.contains(hidden), "{shown}");
    }
}
