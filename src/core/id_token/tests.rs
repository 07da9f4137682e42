use super::*;
use jsonwebtoken::{encode, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::json;

const ISS: &str = "https://x.genauth.ai/oidc";
const CLIENT: &str = "app-1";
const NOW: u64 = 1_800_000_000;

struct TestKey {
    encoding: EncodingKey,
    jwk: Jwk,
    public_bytes: Vec<u8>,
}

fn es256_key(kid: &str) -> TestKey {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let public = pair.public_key().as_ref().to_vec();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk = serde_json::from_value(json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
        "x": b64(&public[1..33]), "y": b64(&public[33..65]),
    }))
    .unwrap();
    TestKey {
        encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
        jwk,
        public_bytes: public,
    }
}

fn sign(key: &TestKey, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.into());
    encode(&header, claims, &key.encoding).unwrap()
}

fn expected<'a>() -> Expectations<'a> {
    Expectations {
        issuer: ISS,
        client_id: CLIENT,
        nonce: None,
        access_token: None,
        leeway_seconds: 60,
        now: NOW,
        subject: None,
        allowed_algs: None,
    }
}

/// Runs the whole check (header, key fit, signature, claims) with one JWKS key, as the client
/// does. jsonwebtoken reads the clock for exp/nbf, so tests anchor claims to the real time.
fn check(
    token: &str,
    key: &TestKey,
    exp: &Expectations<'_>,
) -> Result<Map<String, Value>, IdTokenCheck> {
    let header = read_header(token)?;
    if !key_fits(&key.jwk, &header) {
        return Err(IdTokenCheck::Signature);
    }
    verify(token, &header, &decoding_key(&key.jwk)?, exp)
}

fn real_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn live_claims() -> Value {
    let now = real_now();
    json!({"iss": ISS, "aud": CLIENT, "sub": "user-1", "iat": now - 10, "exp": now + 3600, "nonce": "n-1"})
}

fn live_expected<'a>() -> Expectations<'a> {
    Expectations {
        now: real_now(),
        ..expected()
    }
}

#[test]
fn valid_token_returns_its_claims() {
    let key = es256_key("k1");
    let claims = check(&sign(&key, "k1", &live_claims()), &key, &live_expected()).unwrap();
    assert_eq!(claims["sub"], "user-1");
    assert_eq!(claims["nonce"], "n-1");
}

#[test]
fn each_claim_check_names_itself() {
    let key = es256_key("k1");
    let now = real_now();
    let with = |patch: Value| {
        let mut c = live_claims();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        sign(&key, "k1", &c)
    };
    let cases = [
        (json!({"aud": "someone-else"}), IdTokenCheck::Aud),
        (
            json!({"iss": "https://evil.example/oidc"}),
            IdTokenCheck::Iss,
        ),
        (json!({"exp": now - 120}), IdTokenCheck::Exp),
        (json!({"nbf": now + 600}), IdTokenCheck::Nbf),
        (json!({"iat": now + 600}), IdTokenCheck::Iat),
        (json!({"aud": [CLIENT, "other"]}), IdTokenCheck::Azp),
        (json!({"azp": "other"}), IdTokenCheck::Azp),
    ];
    for (patch, check_name) in cases {
        let token = with(patch.clone());
        assert_eq!(
            check(&token, &key, &live_expected()).unwrap_err(),
            check_name,
            "{patch}"
        );
    }
    // Within the leeway is fine; several audiences with the right azp too.
    assert!(check(&with(json!({"exp": now - 30})), &key, &live_expected()).is_ok());
    assert!(check(
        &with(json!({"aud": [CLIENT, "o"], "azp": CLIENT})),
        &key,
        &live_expected()
    )
    .is_ok());
}

#[test]
fn nonce_is_checked_when_given() {
    let key = es256_key("k1");
    let token = sign(&key, "k1", &live_claims());
    let mut exp = live_expected();
    exp.nonce = Some("n-1");
    assert!(check(&token, &key, &exp).is_ok());
    exp.nonce = Some("another");
    assert_eq!(check(&token, &key, &exp).unwrap_err(), IdTokenCheck::Nonce);
}

#[test]
fn at_hash_is_checked_when_present() {
    let key = es256_key("k1");
    let mut c = live_claims();
    c["at_hash"] = json!(token_hash(Algorithm::ES256, "the-access-token"));
    let token = sign(&key, "k1", &c);
    let mut exp = live_expected();
    exp.access_token = Some("the-access-token");
    assert!(check(&token, &key, &exp).is_ok());
    exp.access_token = Some("another-access-token");
    assert_eq!(check(&token, &key, &exp).unwrap_err(), IdTokenCheck::AtHash);
}

#[test]
fn at_hash_matches_the_openid_spec_example() {
    // OpenID Connect Core, appendix A.3/A.4 example: access token and its at_hash (RS256).
    assert_eq!(
        token_hash(
            Algorithm::RS256,
            "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        ),
        "77QmUPtjPfzWtF2AnpK9RQ"
    );
}

#[test]
fn tampered_payload_fails_the_signature() {
    let key = es256_key("k1");
    let token = sign(&key, "k1", &live_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = live_claims();
    forged["sub"] = json!("admin");
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
    let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_eq!(
        check(&tampered, &key, &live_expected()).unwrap_err(),
        IdTokenCheck::Signature
    );
}

#[test]
fn another_keys_signature_fails() {
    let (signer, other) = (es256_key("k1"), es256_key("k1"));
    let token = sign(&signer, "k1", &live_claims());
    assert_eq!(
        check(&token, &other, &live_expected()).unwrap_err(),
        IdTokenCheck::Signature
    );
}

#[test]
fn alg_none_and_unknown_algs_are_refused() {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let payload = b64(&live_claims().to_string());
    for alg in ["none", "None", "EdDSA", "XS256"] {
        let token = format!("{}.{}.", b64(&format!(r#"{{"alg":"{alg}"}}"#)), payload);
        assert_eq!(read_header(&token).unwrap_err(), IdTokenCheck::Alg, "{alg}");
    }
}

#[test]
fn hmac_signed_with_the_public_key_is_not_accepted() {
    // Algorithm confusion: an attacker signs HS256 using the provider's public key as the
    // HMAC secret. The key must not fit an HS* header, and the client secret is what HS* uses.
    let key = es256_key("k1");
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let token = encode(
        &header,
        &live_claims(),
        &EncodingKey::from_secret(&key.public_bytes),
    )
    .unwrap();
    let parsed = read_header(&token).unwrap();
    assert!(parsed.is_hmac());
    assert!(!key_fits(&key.jwk, &parsed));
    let with_client_secret = DecodingKey::from_secret(b"the-real-client-secret");
    assert_eq!(
        verify(&token, &parsed, &with_client_secret, &live_expected()).unwrap_err(),
        IdTokenCheck::Signature
    );
}

#[test]
fn key_must_fit_kid_type_and_alg() {
    let key = es256_key("k1");
    let h = |alg, kid: Option<&str>| TokenHeader {
        alg,
        kid: kid.map(str::to_owned),
    };
    assert!(key_fits(&key.jwk, &h(Algorithm::ES256, Some("k1"))));
    assert!(key_fits(&key.jwk, &h(Algorithm::ES256, None)));
    assert!(!key_fits(&key.jwk, &h(Algorithm::ES256, Some("k2"))));
    assert!(!key_fits(&key.jwk, &h(Algorithm::RS256, Some("k1"))));
    assert!(!key_fits(&key.jwk, &h(Algorithm::ES384, Some("k1"))));
}

#[test]
fn malformed_tokens() {
    for t in ["", "a.b", "a.b.c.d", "!!!.e30.x", "e30.e30.x"] {
        assert_eq!(read_header(t).unwrap_err(), IdTokenCheck::Malformed, "{t}");
    }
}

#[test]
fn reasons_are_the_contracts() {
    let all = [
        (IdTokenCheck::Signature, "signature"),
        (IdTokenCheck::Alg, "alg"),
        (IdTokenCheck::Iss, "iss"),
        (IdTokenCheck::Aud, "aud"),
        (IdTokenCheck::Azp, "azp"),
        (IdTokenCheck::Exp, "exp"),
        (IdTokenCheck::Iat, "iat"),
        (IdTokenCheck::Nbf, "nbf"),
        (IdTokenCheck::Nonce, "nonce"),
        (IdTokenCheck::AtHash, "at_hash"),
        (IdTokenCheck::Malformed, "malformed"),
        (IdTokenCheck::KeysUnavailable, "keys_unavailable"),
        (IdTokenCheck::Sub, "sub"),
    ];
    for (check, name) in all {
        assert_eq!(check.as_str(), name);
    }
}

/// A token with a header of the test's choosing, signed with `key` (ES256).
fn sign_with_header(key: &TestKey, header: Value, claims: &Value) -> String {
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature =
        jsonwebtoken::crypto::sign(input.as_bytes(), &key.encoding, Algorithm::ES256).unwrap();
    format!("{input}.{signature}")
}

#[test]
fn crit_and_foreign_typ_headers_are_refused() {
    let key = es256_key("k1");
    let claims = live_claims();
    for header in [
        json!({"alg": "ES256", "kid": "k1", "crit": ["exp"], "exp": 1}),
        json!({"alg": "ES256", "kid": "k1", "crit": []}),
        json!({"alg": "ES256", "kid": "k1", "typ": "at+jwt"}),
        json!({"alg": "ES256", "kid": "k1", "typ": "application/at+jwt"}),
        json!({"alg": "ES256", "kid": "k1", "typ": "logout+jwt"}),
        json!({"alg": "ES256", "kid": "k1", "typ": 7}),
    ] {
        let token = sign_with_header(&key, header.clone(), &claims);
        assert_eq!(
            check(&token, &key, &live_expected()).unwrap_err(),
            IdTokenCheck::Malformed,
            "{header}"
        );
    }
    for header in [
        json!({"alg": "ES256", "kid": "k1", "typ": "JWT"}),
        json!({"alg": "ES256", "kid": "k1", "typ": "application/jwt"}),
        json!({"alg": "ES256", "kid": "k1"}),
    ] {
        let token = sign_with_header(&key, header.clone(), &claims);
        assert!(check(&token, &key, &live_expected()).is_ok(), "{header}");
    }
}

#[test]
fn claims_of_the_wrong_type_are_refused() {
    let key = es256_key("k1");
    let now = real_now();
    let cases = [
        (json!({"iss": 5}), IdTokenCheck::Iss),
        (json!({"iss": [ISS]}), IdTokenCheck::Iss),
        (json!({"nbf": "x"}), IdTokenCheck::Nbf),
        (json!({"iat": "x"}), IdTokenCheck::Iat),
        (json!({"iat": (now - 10).to_string()}), IdTokenCheck::Iat),
        (json!({"exp": (now + 600).to_string()}), IdTokenCheck::Exp),
        (json!({"auth_time": "yesterday"}), IdTokenCheck::Malformed),
        (json!({"sub": ""}), IdTokenCheck::Malformed),
        (json!({"sub": 42}), IdTokenCheck::Malformed),
    ];
    for (patch, expected_check) in cases {
        let mut c = live_claims();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        let token = sign(&key, "k1", &c);
        let got = check(&token, &key, &live_expected());
        assert_eq!(got.unwrap_err(), expected_check, "{patch}");
    }
}

#[test]
fn algorithm_must_be_one_discovery_lists() {
    let key = es256_key("k1");
    let token = sign(&key, "k1", &live_claims());
    let rs_only = vec!["RS256".to_owned()];
    let mut exp = live_expected();
    exp.allowed_algs = Some(&rs_only);
    assert_eq!(check(&token, &key, &exp).unwrap_err(), IdTokenCheck::Alg);
    let with_es = vec!["RS256".to_owned(), "ES256".to_owned()];
    exp.allowed_algs = Some(&with_es);
    assert!(check(&token, &key, &exp).is_ok());
}

#[test]
fn a_refresh_must_keep_the_subject() {
    let key = es256_key("k1");
    let token = sign(&key, "k1", &live_claims());
    let mut exp = live_expected();
    exp.subject = Some("user-2");
    assert_eq!(check(&token, &key, &exp).unwrap_err(), IdTokenCheck::Sub);
    exp.subject = Some("user-1");
    assert!(check(&token, &key, &exp).is_ok());
}

#[test]
fn debug_of_expectations_hides_the_access_token() {
    let e = Expectations {
        access_token: Some("the-access-token-5f4e"),
        ..expected()
    };
    let shown = format!("{e:?} {e:#?}");
    assert!(!shown.contains("the-access-token"), "{shown}");
    assert!(shown.contains(ISS), "{shown}");
}
