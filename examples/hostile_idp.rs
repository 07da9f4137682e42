//! A loopback OpenID provider that hands out hostile id_tokens, for the C and Python suites'
//! id_token tests (tests/c/test_id_token.c, bindings/python/tests/test_id_token_hostile.py).
//!
//!     cargo build --release --example hostile_idp
//!     target/release/examples/hostile_idp [--max-seconds N]
//!
//! Listens on 127.0.0.1 (a free port), prints `{"port":N}` as the first line of stdout, then
//! serves until killed or for `--max-seconds` (default 600), whichever comes first.
//!
//! Every first path segment is a provider of its own: `/<scenario>` or `/<scenario>.<tag>`, e.g.
//! appHost `http://127.0.0.1:N/expired.c-1234-client`. The tag only separates state (hit counts,
//! key rotation), so that tests, runs and languages sharing one server never see each other's
//! requests. Each provider serves
//!
//!     GET  /<p>/oidc/.well-known/openid-configuration   issuer http://127.0.0.1:N/<p>/oidc
//!     GET  /<p>/oidc/.well-known/jwks.json
//!     POST /<p>/oidc/token      any grant, any credentials: a token document whose id_token
//!                               is made for the scenario (aud = the request's client_id)
//!     GET  /<p>/stats           {"hits":{"/oidc/token":1,...},"last_id_token":...,
//!                               "last_access_token":...} (stats requests are not counted)
//!
//! and `GET /` lists the scenarios. Signing keys (ES256) are made at start. Scenarios, with the
//! `reason` the library must report (none: the token verifies):
//!
//!     valid             ES256, kid "key-a", correct at_hash
//!     tampered          payload changed after signing            signature
//!     wrong-aud         aud "another-app"                        aud
//!     wrong-iss         iss "https://evil.example/oidc"           iss
//!     expired           exp an hour ago                          exp
//!     alg-none          {"alg":"none"}, empty signature          alg
//!     hs256-public-key  HS256 keyed with key A's public bytes,   signature
//!                       kid "key-a" (algorithm confusion)
//!     unknown-kid       signed by a key never published          signature (bounded refetch)
//!     rotate            JWKS {A} and tokens signed by A until the first JWKS fetch; from then on
//!                       JWKS {A, B} and tokens signed by B (a key rotation)
//!     nonce             carries nonce "n-expected"
//!     at-hash-bad       at_hash of another access token          at_hash
//!     discovery-down    discovery answers 503 (token endpoint still served)   keys_unavailable
//!     keys-down         the JWKS answers 503                     keys_unavailable
//!     malformed         id_token "not-a-jwt"                     malformed
//!     nbf-future        nbf an hour ahead                        nbf
//!     iat-future        iat an hour ahead                        iat
//!     wrong-azp         azp "another-app"                        azp
//!     multi-aud-no-azp  aud [client_id, "another-app"], no azp   azp
//!     hs256-secret      HS256 keyed with the request's client_secret (client_secret_post or Basic)

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use tokio::net::TcpListener;

const SCENARIOS: &[&str] = &[
    "valid",
    "tampered",
    "wrong-aud",
    "wrong-iss",
    "expired",
    "alg-none",
    "hs256-public-key",
    "unknown-kid",
    "rotate",
    "nonce",
    "at-hash-bad",
    "discovery-down",
    "keys-down",
    "malformed",
    "nbf-future",
    "iat-future",
    "wrong-azp",
    "multi-aud-no-azp",
    "hs256-secret",
];

const DISCOVERY: &str = "/oidc/.well-known/openid-configuration";
const JWKS: &str = "/oidc/.well-known/jwks.json";
const TOKEN: &str = "/oidc/token";
const STATS: &str = "/stats";

/// Keeps a client from growing the server without bound (each tag is a provider).
const MAX_PROVIDERS: usize = 10_000;
const MAX_BODY: usize = 64 * 1024;

struct Key {
    kid: &'static str,
    pkcs8: Vec<u8>,
    public: Vec<u8>,
    jwk: Value,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn key(kid: &'static str) -> Key {
    let rng = SystemRandom::new();
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("an ES256 key");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .expect("the key just made");
    let public = pair.public_key().as_ref().to_vec();
    let jwk = json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                     "x": b64(&public[1..33]), "y": b64(&public[33..65])});
    Key {
        kid,
        pkcs8: pkcs8.as_ref().to_vec(),
        public,
        jwk,
    }
}

#[derive(Default)]
struct Provider {
    hits: BTreeMap<String, u64>,
    /// rotate: the first JWKS fetch has been served, so B is published and signs.
    rotated: bool,
    tokens_issued: u64,
    last_id_token: Option<String>,
    last_access_token: Option<String>,
}

struct Server {
    port: u16,
    key_a: Key,
    key_b: Key,
    never_published: Key,
    providers: Mutex<HashMap<String, Provider>>,
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: String) -> Reply {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body)))
        .expect("a response")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `at_hash` for ES256/HS256: the left half of SHA-256 of the access token, base64url.
fn at_hash(access_token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes());
    b64(&digest.as_ref()[..16])
}

/// client_id and client_secret from the form body, else from a Basic header (RFC 6749 §2.3.1:
/// both form-encoded before base64).
fn credentials(body: &[u8], authorization: Option<&str>) -> (String, Option<String>) {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    if let Some(id) = form.get("client_id").filter(|_| authorization.is_none()) {
        return (id.clone(), form.get("client_secret").cloned());
    }
    let basic = authorization
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    if let Some((id, secret)) = basic.as_deref().and_then(|s| s.split_once(':')) {
        let decode = |s: &str| -> String {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return (decode(id), Some(decode(secret)));
    }
    (form.get("client_id").cloned().unwrap_or_default(), None)
}

impl Server {
    fn issuer(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}/oidc", self.port)
    }

    fn jwks(&self, keys: &[&Key]) -> String {
        json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()}).to_string()
    }

    fn es256(&self, key: &Key, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.kid.to_owned());
        encode(&header, claims, &EncodingKey::from_ec_der(&key.pkcs8)).expect("an ES256 token")
    }

    fn hs256(&self, secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        encode(&header, claims, &EncodingKey::from_secret(secret)).expect("an HS256 token")
    }

    /// The id_token of `scenario` for this request; `rotated` is the provider's rotation state.
    fn id_token(
        &self,
        name: &str,
        scenario: &str,
        client_id: &str,
        client_secret: Option<&str>,
        access_token: &str,
        rotated: bool,
    ) -> String {
        let now = now();
        let mut claims = json!({
            "iss": self.issuer(name), "aud": client_id, "sub": "user-1", "iat": now,
            "exp": now + 600, "auth_time": now, "at_hash": at_hash(access_token),
            "email": "alice@example.com",
        });
        match scenario {
            "tampered" => {
                let token = self.es256(&self.key_a, &claims);
                claims["sub"] = json!("admin");
                let parts: Vec<&str> = token.split('.').collect();
                return format!(
                    "{}.{}.{}",
                    parts[0],
                    b64(claims.to_string().as_bytes()),
                    parts[2]
                );
            }
            "wrong-aud" => claims["aud"] = json!("another-app"),
            "wrong-iss" => claims["iss"] = json!("https://evil.example/oidc"),
            "expired" => {
                claims["iat"] = json!(now - 7200);
                claims["auth_time"] = json!(now - 7200);
                claims["exp"] = json!(now - 3600);
            }
            "alg-none" => {
                return format!(
                    "{}.{}.",
                    b64(br#"{"alg":"none","typ":"JWT"}"#),
                    b64(claims.to_string().as_bytes())
                );
            }
            "hs256-public-key" => {
                return self.hs256(&self.key_a.public, Some(self.key_a.kid), &claims)
            }
            "unknown-kid" => return self.es256(&self.never_published, &claims),
            "rotate" if rotated => return self.es256(&self.key_b, &claims),
            "nonce" => claims["nonce"] = json!("n-expected"),
            "at-hash-bad" => claims["at_hash"] = json!(at_hash("another-access-token")),
            "malformed" => return "not-a-jwt".to_owned(),
            "nbf-future" => claims["nbf"] = json!(now + 3600),
            "iat-future" => {
                claims["iat"] = json!(now + 3600);
                claims["exp"] = json!(now + 7200);
            }
            "wrong-azp" => claims["azp"] = json!("another-app"),
            "multi-aud-no-azp" => claims["aud"] = json!([client_id, "another-app"]),
            "hs256-secret" => {
                let secret = client_secret.unwrap_or_default();
                return self.hs256(secret.as_bytes(), None, &claims);
            }
            _ => {}
        }
        self.es256(&self.key_a, &claims)
    }

    /// Answers one request to provider `name` (scenario `scenario`) at `rest` (the path after
    /// the provider's segment).
    fn answer(
        &self,
        name: &str,
        scenario: &str,
        rest: &str,
        method: &Method,
        body: &[u8],
        authorization: Option<&str>,
    ) -> Reply {
        let mut providers = self.providers.lock().unwrap_or_else(|p| p.into_inner());
        if !providers.contains_key(name) && providers.len() >= MAX_PROVIDERS {
            providers.clear();
        }
        let provider = providers.entry(name.to_owned()).or_default();
        if rest == STATS && method == Method::GET {
            let doc = json!({"scenario": scenario, "hits": provider.hits,
                             "rotated": provider.rotated,
                             "last_id_token": provider.last_id_token,
                             "last_access_token": provider.last_access_token});
            return reply(StatusCode::OK, doc.to_string());
        }
        *provider.hits.entry(rest.to_owned()).or_default() += 1;
        match (method, rest) {
            (&Method::GET, DISCOVERY) if scenario == "discovery-down" => reply(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"error":"temporarily_unavailable"}"#.into(),
            ),
            (&Method::GET, DISCOVERY) => {
                let issuer = self.issuer(name);
                let doc = json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{issuer}/auth"),
                    "token_endpoint": format!("{issuer}/token"),
                    "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["ES256", "HS256"],
                });
                reply(StatusCode::OK, doc.to_string())
            }
            (&Method::GET, JWKS) => match scenario {
                "keys-down" => reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"error":"temporarily_unavailable"}"#.into(),
                ),
                "rotate" if !provider.rotated => {
                    provider.rotated = true;
                    reply(StatusCode::OK, self.jwks(&[&self.key_a]))
                }
                "rotate" => reply(StatusCode::OK, self.jwks(&[&self.key_a, &self.key_b])),
                _ => reply(StatusCode::OK, self.jwks(&[&self.key_a])),
            },
            (&Method::POST, TOKEN) => {
                let (client_id, client_secret) = credentials(body, authorization);
                provider.tokens_issued += 1;
                let access_token = format!("at-{name}-{}", provider.tokens_issued);
                let id_token = self.id_token(
                    name,
                    scenario,
                    &client_id,
                    client_secret.as_deref(),
                    &access_token,
                    provider.rotated,
                );
                let doc = json!({
                    "access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                    "refresh_token": format!("rt-{name}-{}", provider.tokens_issued),
                    "scope": "openid profile offline_access", "id_token": id_token,
                });
                provider.last_id_token = Some(id_token);
                provider.last_access_token = Some(access_token);
                reply(StatusCode::OK, doc.to_string())
            }
            (_, DISCOVERY | JWKS | TOKEN) => reply(
                StatusCode::METHOD_NOT_ALLOWED,
                r#"{"error":"method_not_allowed"}"#.into(),
            ),
            _ => reply(StatusCode::NOT_FOUND, r#"{"error":"not_found"}"#.into()),
        }
    }
}

/// `/<scenario>[.<tag>]/rest` → (provider name, scenario, rest).
fn route(path: &str) -> Option<(&str, &'static str, &str)> {
    let path = path.strip_prefix('/')?;
    let (name, rest) = match path.find('/') {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    let scenario = name.split_once('.').map_or(name, |(s, _)| s);
    let scenario = SCENARIOS.iter().find(|s| **s == scenario)?;
    Some((name, scenario, rest))
}

async fn serve(server: Arc<Server>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Read the whole request so the connection can carry the next one.
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                r#"{"error":"too_large"}"#.into(),
            ))
        }
    };
    if path == "/" {
        return Ok(reply(
            StatusCode::OK,
            json!({ "scenarios": SCENARIOS }).to_string(),
        ));
    }
    Ok(match route(&path) {
        Some((name, scenario, rest)) => server.answer(
            name,
            scenario,
            rest,
            &method,
            &body,
            authorization.as_deref(),
        ),
        None => reply(
            StatusCode::NOT_FOUND,
            r#"{"error":"unknown_scenario"}"#.into(),
        ),
    })
}

fn main() {
    let max_seconds = std::env::args()
        .skip_while(|a| a != "--max-seconds")
        .nth(1)
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(600);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let port = listener.local_addr().expect("an address").port();
        let server = Arc::new(Server {
            port,
            key_a: key("key-a"),
            key_b: key("key-b"),
            never_published: key("never-published"),
            providers: Mutex::new(HashMap::new()),
        });
        println!("{}", json!({ "port": port }));
        std::io::stdout().flush().expect("stdout");
        let accept = async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let server = server.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| serve(server.clone(), request));
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(max_seconds), accept).await;
    });
}
