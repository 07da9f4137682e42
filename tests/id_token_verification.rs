//! id_token verification end to end through the core client, against a provider that serves
//! whatever each test needs: rotated keys, unknown keys, forged and expired tokens.

mod support {
    pub mod canned_server;
    pub mod fake_provider;
    pub mod outcome;
}

use base64::Engine as _;
use genauth::core::ProviderCache;
use genauth::core::{Client, Config, ExchangeOptions};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::fake_provider::{FakeProvider, DISCOVERY, JWKS, TOKEN};
use support::outcome::outcome;

const APP_ID: &str = "app-1";
const SECRET: &str = "client-secret-0123456789";

struct Key {
    kid: String,
    pkcs8: Vec<u8>,
    jwk: Value,
    public: Vec<u8>,
}

fn key(kid: &str) -> Key {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let public = pair.public_key().as_ref().to_vec();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    Key {
        kid: kid.into(),
        pkcs8: pkcs8.as_ref().to_vec(),
        jwk: json!({"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":kid,
                    "x": b64(&public[1..33]), "y": b64(&public[33..65])}),
        public,
    }
}

fn jwks(keys: &[&Key]) -> String {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()}).to_string()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(iss: &str) -> Value {
    json!({"iss": iss, "aud": APP_ID, "sub": "user-1", "iat": now(), "exp": now() + 600, "nonce": "n-1"})
}

fn signed(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &EncodingKey::from_ec_der(&key.pkcs8)).unwrap()
}

fn token_reply(id_token: &str) -> String {
    json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 60, "id_token": id_token})
        .to_string()
}

fn client(p: &FakeProvider, refetch_floor: Option<Duration>) -> Client {
    let config = Config::from_json(&format!(
        r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb","timeoutMs":3000}}"#,
        p.url
    ))
    .unwrap();
    match refetch_floor {
        Some(floor) => Client::with_shared(
            config,
            genauth::core::Connections::new(None, &Default::default()).unwrap(),
            Arc::new(ProviderCache::new(floor)),
        ),
        None => Client::new(config).unwrap(),
    }
}

async fn refresh(c: &Client) -> Value {
    outcome(c.refresh("rt-1").await)
}

fn reason(doc: &Value) -> &str {
    assert_eq!(doc["error"]["code"], "id_token_invalid", "{doc}");
    doc["error"]["reason"].as_str().unwrap()
}

#[tokio::test]
async fn valid_token_comes_back_with_claims() {
    let p = FakeProvider::start().await;
    let k = key("k1");
    p.set(JWKS, "200 OK", &jwks(&[&k]));
    p.set(
        TOKEN,
        "200 OK",
        &token_reply(&signed(&k, &claims(&p.issuer()))),
    );
    let c = client(&p, None);
    let doc = outcome(
        c.exchange_code(
            "code-1",
            &ExchangeOptions {
                nonce: Some("n-1".into()),
                ..Default::default()
            },
        )
        .await,
    );
    assert_eq!(doc["tokens"]["id_token_claims"]["sub"], "user-1", "{doc}");
    // Discovery and keys are cached: a second call fetches neither.
    assert!(refresh(&c).await["ok"].as_bool().unwrap());
    assert_eq!((p.hits(DISCOVERY), p.hits(JWKS)), (1, 1));
}

#[tokio::test]
async fn hostile_tokens_fail_with_the_right_reason() {
    let p = FakeProvider::start().await;
    let k = key("k1");
    p.set(JWKS, "200 OK", &jwks(&[&k]));
    let iss = p.issuer();
    let c = client(&p, None);
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);

    let good = signed(&k, &claims(&iss));
    let parts: Vec<&str> = good.split('.').collect();
    let mut forged = claims(&iss);
    forged["sub"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&forged.to_string()), parts[2]);

    let mut wrong_aud = claims(&iss);
    wrong_aud["aud"] = json!("another-app");
    let mut expired = claims(&iss);
    expired["exp"] = json!(now() - 3600);
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none"}"#),
        b64(&claims(&iss).to_string())
    );
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some("k1".into());
    let confused = encode(
        &hs_header,
        &claims(&iss),
        &EncodingKey::from_secret(&k.public),
    )
    .unwrap();

    let cases = [
        (tampered, "signature"),
        (signed(&k, &wrong_aud), "aud"),
        (signed(&k, &claims("https://evil.example/oidc")), "iss"),
        (signed(&k, &expired), "exp"),
        (none, "alg"),
        (confused, "signature"),
        ("not-a-jwt".to_owned(), "malformed"),
    ];
    for (token, expected) in cases {
        p.set(TOKEN, "200 OK", &token_reply(&token));
        let doc = refresh(&c).await;
        assert_eq!(reason(&doc), expected);
        assert!(
            !doc.to_string().contains(&token),
            "the token leaked into {doc}"
        );
    }
}

#[tokio::test]
async fn nonce_must_match_when_given() {
    let p = FakeProvider::start().await;
    let k = key("k1");
    p.set(JWKS, "200 OK", &jwks(&[&k]));
    p.set(
        TOKEN,
        "200 OK",
        &token_reply(&signed(&k, &claims(&p.issuer()))),
    );
    let options = ExchangeOptions {
        nonce: Some("another-nonce".into()),
        ..Default::default()
    };
    let doc = outcome(client(&p, None).exchange_code("c", &options).await);
    assert_eq!(reason(&doc), "nonce");
}

#[tokio::test]
async fn rotated_key_passes_after_one_refetch() {
    let p = FakeProvider::start().await;
    let (old, new) = (key("old"), key("new"));
    p.set(JWKS, "200 OK", &jwks(&[&old]));
    p.set(
        TOKEN,
        "200 OK",
        &token_reply(&signed(&old, &claims(&p.issuer()))),
    );
    let c = client(&p, Some(Duration::ZERO));
    assert!(refresh(&c).await["ok"].as_bool().unwrap());
    assert_eq!(p.hits(JWKS), 1);

    p.set(JWKS, "200 OK", &jwks(&[&old, &new]));
    p.set(
        TOKEN,
        "200 OK",
        &token_reply(&signed(&new, &claims(&p.issuer()))),
    );
    let doc = refresh(&c).await;
    assert!(doc["ok"].as_bool().unwrap(), "{doc}");
    assert_eq!(p.hits(JWKS), 2);
    assert!(refresh(&c).await["ok"].as_bool().unwrap());
    assert_eq!(p.hits(JWKS), 2, "a known kid needs no fetch");
}

#[tokio::test]
async fn unknown_kid_does_not_amplify_requests() {
    let p = FakeProvider::start().await;
    let (published, never) = (key("published"), key("never-published"));
    p.set(JWKS, "200 OK", &jwks(&[&published]));
    p.set(
        TOKEN,
        "200 OK",
        &token_reply(&signed(&never, &claims(&p.issuer()))),
    );
    let c = client(&p, None);
    // Clones share the provider cache, as concurrent callers of one client do.
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let c = c.clone();
        calls.spawn(async move { refresh(&c).await });
    }
    while let Some(doc) = calls.join_next().await {
        assert_eq!(reason(&doc.unwrap()), "signature");
    }
    assert_eq!(
        p.hits(JWKS),
        1,
        "20 tokens with an unknown kid within the refetch floor"
    );
}

#[tokio::test]
async fn unreachable_discovery_reports_keys_unavailable() {
    let p = FakeProvider::start().await;
    let k = key("k1");
    p.set(DISCOVERY, "503 Service Unavailable", "<html>down</html>");
    p.set(
        TOKEN,
        "200 OK",
        &token_reply(&signed(&k, &claims(&p.issuer()))),
    );
    let doc = refresh(&client(&p, None)).await;
    assert_eq!(reason(&doc), "keys_unavailable");
    assert_eq!(
        p.hits(TOKEN),
        1,
        "the token call still went to the documented path"
    );
}

#[tokio::test]
async fn unreachable_keys_report_keys_unavailable() {
    let p = FakeProvider::start().await;
    let k = key("k1");
    p.set(
        TOKEN,
        "200 OK",
        &token_reply(&signed(&k, &claims(&p.issuer()))),
    );
    let c = client(&p, None);
    assert_eq!(reason(&refresh(&c).await), "keys_unavailable");
    // Within the refetch floor: still no keys, and still not a bad signature.
    assert_eq!(reason(&refresh(&c).await), "keys_unavailable");
    assert_eq!(p.hits(JWKS), 1);
}

#[tokio::test]
async fn hs256_uses_the_client_secret() {
    let p = FakeProvider::start().await;
    p.set(JWKS, "200 OK", r#"{"keys":[]}"#);
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims(&p.issuer()),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    p.set(TOKEN, "200 OK", &token_reply(&token));
    let doc = refresh(&client(&p, None)).await;
    assert_eq!(doc["tokens"]["id_token_claims"]["aud"], APP_ID, "{doc}");
}

#[tokio::test]
async fn validation_off_returns_the_token_unverified() {
    let p = FakeProvider::start().await;
    p.set(TOKEN, "200 OK", &token_reply("not-a-jwt"));
    let config = Config::from_json(&format!(
        r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}","validateIdToken":false}}"#,
        p.url
    ))
    .unwrap();
    let doc = refresh(&Client::new(config).unwrap()).await;
    assert_eq!(doc["tokens"]["id_token"], "not-a-jwt");
    assert!(doc["tokens"].get("id_token_claims").is_none());
    assert_eq!(
        p.hits(DISCOVERY),
        0,
        "no discovery is needed without verification"
    );
}
