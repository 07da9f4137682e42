//! The security round's fixes, end to end through the core client against providers that lie:
//! discovery documents pointing elsewhere, id_tokens under `protocol: oauth`, a rotated refresh
//! token followed by a failed verification, a refresh that changes user, login callbacks.

mod support {
    pub mod canned_server;
    pub mod fake_provider;
    pub mod outcome;
}

use base64::Engine as _;
use genauth::core::AuthorizeOptions;
use genauth::core::Session;
use genauth::core::{Client, Config, ExchangeOptions, Tokens};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};
use support::fake_provider::{FakeProvider, DISCOVERY, TOKEN};
use support::outcome::{done, failure, outcome};

const APP_ID: &str = "app-1";
const SECRET: &str = "client-secret-0123456789";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(iss: &str, sub: &str) -> Value {
    json!({"iss": iss, "aud": APP_ID, "sub": sub, "iat": now(), "exp": now() + 600})
}

/// HS256 with the client secret: no JWKS needed.
fn hs256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn config(p: &FakeProvider, extra: &str) -> Config {
    Config::from_json(&format!(
        r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb","timeoutMs":3000{extra}}}"#,
        p.url
    ))
    .unwrap()
}

fn client(p: &FakeProvider) -> Client {
    Client::new(config(p, "")).unwrap()
}

fn code(doc: &Value) -> &str {
    doc["error"]["code"].as_str().unwrap_or("ok")
}

async fn exchange(c: &Client) -> Value {
    outcome(c.exchange_code("code-1", &ExchangeOptions::default()).await)
}

#[tokio::test]
async fn discovery_naming_another_issuer_stops_the_call_before_anything_is_sent() {
    let p = FakeProvider::start().await;
    p.set(
        DISCOVERY,
        "200 OK",
        &p.discovery_document("https://evil.example/oidc"),
    );
    p.set(TOKEN, "200 OK", r#"{"access_token":"at-1"}"#);
    let c = client(&p);
    let doc = exchange(&c).await;
    assert_eq!(code(&doc), "issuer_mismatch", "{doc}");
    assert_eq!(p.hits(TOKEN), 0, "the code and secret were sent anyway");
    // Revocation, introspection and userinfo refuse too, and the refusal is remembered.
    let doc = done(c.userinfo("at-1").await);
    assert_eq!(code(&doc), "issuer_mismatch", "{doc}");
    assert!(c.revoke("rt-1", None).await.is_err());
    assert!(c.introspect("rt-1").await.is_err());
    assert_eq!(p.hits(DISCOVERY), 1);
    assert_eq!(p.hits(TOKEN) + p.hits("/oidc/me"), 0);
}

#[tokio::test]
async fn discovery_endpoints_off_app_host_get_nothing() {
    let p = FakeProvider::start().await;
    let thief = FakeProvider::start().await;
    thief.set(
        "/steal",
        "200 OK",
        r#"{"access_token":"at-1","active":true}"#,
    );
    for field in [
        "token_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
    ] {
        let mut doc: Value = serde_json::from_str(&p.discovery_document(&p.issuer())).unwrap();
        doc[field] = json!(format!(
            "{}/steal",
            thief.url.replace("127.0.0.1", "localhost")
        ));
        p.set(DISCOVERY, "200 OK", &doc.to_string());
        p.set(TOKEN, "200 OK", r#"{"access_token":"at-1"}"#);
        let c = client(&p);
        let results = [
            exchange(&c).await,
            done(c.revoke("rt-1", None).await),
            done(c.introspect("rt-1").await),
            done(c.userinfo("at-1").await),
        ];
        for doc in results {
            assert_eq!(code(&doc), "invalid_response", "{field}: {doc}");
            let message = doc["error"]["message"].as_str().unwrap();
            assert!(message.contains(field), "{message}");
        }
    }
    assert_eq!(thief.hits("/steal"), 0, "a request left appHost's origin");
    assert_eq!(p.hits(TOKEN), 0);
}

#[tokio::test]
async fn oauth_protocol_verifies_id_tokens_too() {
    let p = FakeProvider::start().await;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none"}"#),
        b64(&claims(&p.issuer(), "user-1").to_string())
    );
    let mut expired = claims(&p.issuer(), "user-1");
    expired["exp"] = json!(now() - 3600);
    let mut wrong_aud = claims(&p.issuer(), "user-1");
    wrong_aud["aud"] = json!("another-app");
    let c = Client::new(config(&p, r#","protocol":"oauth""#)).unwrap();
    for (token, reason) in [
        (none, "alg"),
        (hs256(&expired), "exp"),
        (hs256(&wrong_aud), "aud"),
    ] {
        p.set(
            "/oauth/token",
            "200 OK",
            &json!({"access_token": "at-1", "id_token": token}).to_string(),
        );
        let doc = outcome(c.refresh("rt-1").await);
        assert_eq!(code(&doc), "id_token_invalid", "{doc}");
        assert_eq!(doc["error"]["reason"], reason);
    }
    let good = hs256(&claims(&p.issuer(), "user-1"));
    p.set(
        "/oauth/token",
        "200 OK",
        &json!({"access_token": "at-1", "id_token": good}).to_string(),
    );
    let doc = outcome(c.refresh("rt-1").await);
    assert_eq!(doc["tokens"]["id_token_claims"]["sub"], "user-1", "{doc}");
    assert_eq!(p.hits(TOKEN), 0, "oauth keeps its own token path");
}

#[tokio::test]
async fn a_failed_verification_hands_back_the_rotated_refresh_token() {
    let p = FakeProvider::start().await;
    let mut expired = claims(&p.issuer(), "user-1");
    expired["exp"] = json!(now() - 3600);
    p.set(
        TOKEN,
        "200 OK",
        &json!({"access_token": "at-2", "refresh_token": "rt-rotated-2", "id_token": hs256(&expired)})
            .to_string(),
    );
    let doc = outcome(client(&p).refresh("rt-1").await);
    assert_eq!(code(&doc), "id_token_invalid", "{doc}");
    assert_eq!(doc["refresh_token"], "rt-rotated-2", "{doc}");
    assert!(doc.get("tokens").is_none());
    assert!(!doc.to_string().contains("at-2"), "{doc}");

    // Keys that cannot be fetched: the same.
    let fresh = FakeProvider::start().await;
    fresh.set(DISCOVERY, "503 Service Unavailable", "down");
    fresh.set(
        TOKEN,
        "200 OK",
        &json!({"access_token": "at-3", "refresh_token": "rt-rotated-3", "id_token": "a.b.c"})
            .to_string(),
    );
    let doc = outcome(client(&fresh).refresh("rt-2").await);
    assert_eq!(doc["error"]["reason"], "keys_unavailable", "{doc}");
    assert_eq!(doc["refresh_token"], "rt-rotated-3", "{doc}");
}

#[tokio::test]
async fn a_session_keeps_the_rotated_refresh_token_and_refuses_another_user() {
    let p = FakeProvider::start().await;
    let c = client(&p);
    let seed = json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_at": now() - 10,
                      "id_token_claims": {"iss": p.issuer(), "sub": "user-1"}});
    let session = Session::new(Tokens::from_object(seed.as_object().unwrap().clone()).unwrap());

    // The provider rotates the refresh token but its id_token names someone else.
    p.set(
        TOKEN,
        "200 OK",
        &json!({"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 600,
                "id_token": hs256(&claims(&p.issuer(), "user-2"))})
        .to_string(),
    );
    let e = session.fresh_tokens(&c, 60).await.unwrap_err();
    assert_eq!(e.code(), "id_token_invalid");
    assert_eq!(failure(&e)["error"]["reason"], "sub");
    let held = session.tokens().unwrap();
    assert_eq!(
        held.refresh_token.as_deref(),
        Some("rt-2"),
        "the rotated token was lost"
    );
    assert_eq!(
        held.access_token, "at-1",
        "tokens for another user were kept"
    );

    // The next refresh sends the rotated token, and the right user's tokens are taken.
    p.set(
        TOKEN,
        "200 OK",
        &json!({"access_token": "at-3", "refresh_token": "rt-3", "expires_in": 600,
                "id_token": hs256(&claims(&p.issuer(), "user-1"))})
        .to_string(),
    );
    let fresh = session.fresh_tokens(&c, 60).await.unwrap();
    assert_eq!(fresh.access_token, "at-3");
    assert_eq!(
        session.tokens().unwrap().refresh_token.as_deref(),
        Some("rt-3")
    );
}

#[tokio::test]
async fn a_login_with_a_nonce_needs_an_id_token() {
    let p = FakeProvider::start().await;
    p.set(
        TOKEN,
        "200 OK",
        r#"{"access_token":"at-1","refresh_token":"rt-1"}"#,
    );
    let options = ExchangeOptions {
        nonce: Some("n-1".into()),
        ..Default::default()
    };
    let doc = outcome(client(&p).exchange_code("c", &options).await);
    assert_eq!(doc["error"]["reason"], "nonce", "{doc}");
    assert_eq!(doc["refresh_token"], "rt-1");
    // Without a nonce, a reply without id_token is fine (a plain OAuth login).
    assert_eq!(code(&exchange(&client(&p)).await), "ok");
}

#[tokio::test]
async fn id_token_algorithm_must_be_one_discovery_lists() {
    let p = FakeProvider::start().await;
    let mut doc: Value = serde_json::from_str(&p.discovery_document(&p.issuer())).unwrap();
    doc["id_token_signing_alg_values_supported"] = json!(["RS256"]);
    p.set(DISCOVERY, "200 OK", &doc.to_string());
    p.set(
        TOKEN,
        "200 OK",
        &json!({"access_token": "at-1", "id_token": hs256(&claims(&p.issuer(), "u"))}).to_string(),
    );
    let doc = outcome(client(&p).refresh("rt-1").await);
    assert_eq!(doc["error"]["reason"], "alg", "{doc}");
}

#[tokio::test]
async fn client_login_helpers_use_the_clients_discovery() {
    let p = FakeProvider::start().await;
    let mut doc: Value = serde_json::from_str(&p.discovery_document(&p.issuer())).unwrap();
    doc["authorization_endpoint"] = json!(format!("{}/oidc/authorize-here", p.url));
    doc["authorization_response_iss_parameter_supported"] = json!(true);
    p.set(DISCOVERY, "200 OK", &doc.to_string());
    let c = client(&p);

    let login = c.authorize_url(&AuthorizeOptions::default()).await.unwrap();
    assert!(
        login
            .url
            .as_str()
            .starts_with(&format!("{}/oidc/authorize-here?", p.url)),
        "{}",
        login.url
    );
    let iss = url::form_urlencoded::byte_serialize(p.issuer().as_bytes()).collect::<String>();
    let state = &login.state;
    let good = format!("http://127.0.0.1:8976/cb?code=c-1&state={state}&iss={iss}");
    assert_eq!(
        c.parse_callback(&good, state).await.unwrap().code.as_str(),
        "c-1"
    );
    let cases = [
        // The provider always sends iss: a callback without it is not from it.
        (
            format!("http://127.0.0.1:8976/cb?code=c-1&state={state}"),
            "issuer_mismatch",
        ),
        // An error needs the login's state.
        (
            "http://127.0.0.1:8976/cb?error=access_denied&error_description=attacker+text".into(),
            "state_mismatch",
        ),
        (
            format!("http://127.0.0.1:8976/cb?error=access_denied&state={state}&iss={iss}"),
            "oauth_error",
        ),
        // Not the redirectUri.
        (
            format!("http://127.0.0.1:8977/cb?code=c-1&state={state}&iss={iss}"),
            "invalid_argument",
        ),
        (
            format!("http://localhost:8976/cb?code=c-1&state={state}&iss={iss}"),
            "invalid_argument",
        ),
        (
            format!("http://127.0.0.1:8976/other?code=c-1&state={state}&iss={iss}"),
            "invalid_argument",
        ),
    ];
    for (url, expected) in cases {
        let e = c.parse_callback(&url, state).await.unwrap_err();
        assert_eq!(e.code(), expected, "{url}");
    }
    assert_eq!(p.hits(DISCOVERY), 1, "discovery is fetched once");

    // A discovery document for another issuer: the login helpers refuse it too.
    let q = FakeProvider::start().await;
    q.set(
        DISCOVERY,
        "200 OK",
        &q.discovery_document("https://evil.example/oidc"),
    );
    let e = client(&q)
        .authorize_url(&AuthorizeOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "issuer_mismatch");
}
