//! Property tests (proptest): the parsers and every exported function, given arbitrary input,
//! never panic and always produce a valid result document whose error code is in the
//! contract's list, and no secret they were given comes back in an error.
//!
//! Each property runs 256 cases by default; `PROPTEST_CASES=100000 cargo test --release --test
//! properties -- --nocapture` runs more by hand (each property prints how many cases ran).
//! Calls that reach the network go only to a loopback server that echoes every request back
//! inside an OAuth error (a hostile provider), so redaction is tested with arbitrary secrets.

mod support {
    pub mod canned_server;
    pub mod ffi;
    pub mod scenario_server;
}

use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use genauth::core::testing::{parse_json_reply, parse_token_reply};
use genauth::core::{build_authorize_url, AuthorizeOptions};
use genauth::core::{parse_callback, CallbackExpectations};
use genauth::core::{Config, ExchangeOptions};
use genauth::ffi::client::*;
use genauth::ffi::client_async::*;
use genauth::ffi::login::*;
use genauth::ffi::oneshot::*;
use genauth::ffi::session::*;
use genauth::ffi::strings::*;
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::Value;

use support::ffi::{assert_no_secret, code, take};
use support::scenario_server::{Behaviour, ScenarioServer};

/// Runs a property with proptest's default config (256 cases, or PROPTEST_CASES) and prints
/// how many cases ran.
fn check<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value)) {
    // Found failures become named regression tests below, not files.
    let config = RunnerConfig {
        failure_persistence: None,
        ..RunnerConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let cases = AtomicU64::new(0);
    let result = runner.run(&strategy, |value| {
        cases.fetch_add(1, Ordering::Relaxed);
        test(value);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    println!("{name}: {} cases", cases.load(Ordering::Relaxed));
}

// ---- strategies -------------------------------------------------------------------------------

/// Any JSON value, nested a few levels, with arbitrary strings (NULs and all of Unicode).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            hash_map(text(), inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A string of arbitrary characters, NUL included.
fn text() -> impl Strategy<Value = String> {
    vec(any::<char>(), 0..40).prop_map(String::from_iter)
}

/// Text that is sometimes huge: a short pattern repeated up to 300 000 times.
fn sized_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(),
        1 => (vec(any::<char>(), 1..6), 1..300_000usize)
            .prop_map(|(p, n)| String::from_iter(p).repeat(n).chars().take(600_000).collect()),
    ]
}

/// Bytes as a C caller may pass them: arbitrary (mostly not UTF-8), UTF-8 text, huge, empty.
fn c_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..64),
        sized_text().prop_map(String::into_bytes),
        (vec(any::<u8>(), 1..4), 1..200_000usize).prop_map(|(p, n)| p.repeat(n)),
    ]
}

/// An argument: NULL or a NUL-terminated string of arbitrary bytes (a C string cannot hold a
/// NUL, so NULs are dropped).
fn c_arg() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![1 => Just(None), 6 => c_bytes().prop_map(Some)]
}

fn to_c(bytes: &[u8]) -> CString {
    CString::new(
        bytes
            .iter()
            .copied()
            .filter(|b| *b != 0)
            .collect::<Vec<_>>(),
    )
    .unwrap()
}

struct CArg(Option<CString>);

impl CArg {
    fn new(arg: &Option<Vec<u8>>) -> CArg {
        CArg(arg.as_deref().map(to_c))
    }
    fn ptr(&self) -> *const c_char {
        self.0.as_ref().map_or(ptr::null(), |c| c.as_ptr())
    }
    fn is_utf8(&self) -> bool {
        self.0.as_ref().is_none_or(|c| c.to_str().is_ok())
    }
}

/// A distinctive secret: arbitrary text after a fixed prefix, so that finding it in an error
/// means it leaked (a one-letter secret would be "found" in any sentence). The prefix alone is
/// long enough for an `appSecret` (8 characters at least).
fn secret() -> impl Strategy<Value = String> {
    let body = prop_oneof![
        8 => text(),
        1 => (vec(any::<char>(), 1..6), 1..20_000usize).prop_map(|(p, n)| String::from_iter(p).repeat(n)),
    ];
    body.prop_map(|s| format!("Zq9-prop-{}", s.replace('\0', "")))
}

/// The echoing provider every network call of these properties goes to.
fn echo_server() -> &'static ScenarioServer {
    static SERVER: OnceLock<ScenarioServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        ScenarioServer::start_with_get(
            Behaviour::Echo("400 Bad Request"),
            Behaviour::Echo("401 Unauthorized"),
        )
    })
}

const CLIENT_SECRET: &str = "Zq9-client-secret";

fn echo_config(secret: &str, extra: &str) -> String {
    serde_json::json!({
        "appId": "app-prop", "appSecret": secret, "appHost": echo_server().url,
        "redirectUri": "http://127.0.0.1:8976/callback", "timeoutMs": 5000,
    })
    .to_string()
    .replacen('{', &format!("{{{extra}"), 1)
}

/// Config documents: objects over the real keys (and others) with values of any type, and
/// appHost values that are loopback, invalid, or insecure, never a host on the network.
fn config_object() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("appId".to_owned()),
        Just("appSecret".to_owned()),
        Just("appHost".to_owned()),
        Just("redirectUri".to_owned()),
        Just("tokenEndPointAuthMethod".to_owned()),
        Just("protocol".to_owned()),
        Just("timeoutMs".to_owned()),
        Just("caCertPem".to_owned()),
        Just("validateIdToken".to_owned()),
        Just("clockSkewSeconds".to_owned()),
        Just("proxy".to_owned()),
        text(),
    ];
    let value = prop_oneof![
        json_value(),
        prop_oneof![
            Just("client_secret_basic"),
            Just("none"),
            Just("oauth"),
            Just("oidc"),
            Just("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            Just("http://127.0.0.1:8976/callback"),
            Just("com.example.app:/cb"),
        ]
        .prop_map(Value::from),
        (0u64..400_000).prop_map(Value::from),
    ];
    let host = prop_oneof![
        Just("http://127.0.0.1:1"),
        Just("https://localhost:1/base/"),
        Just("http://[::1]:1"),
        Just("http://example.com"),
        Just("ftp://127.0.0.1"),
        Just("https://"),
        Just("http://user:pw@127.0.0.1:1"),
        Just("https://127.0.0.1:1/?q=1#f"),
        Just(""),
        Just("   "),
    ];
    (
        hash_map(key, value, 0..10),
        proptest::option::of(host),
        any::<bool>(),
    )
        .prop_map(|(mut map, host, complete)| {
            if complete {
                map.insert("appId".into(), Value::from("app"));
                map.insert("appSecret".into(), Value::from("s3cret-value"));
            }
            match host {
                Some(h) => {
                    map.insert("appHost".into(), Value::from(h));
                }
                None => {
                    // Whatever the generator put there must not name a real host.
                    if let Some(Value::String(_)) = map.get("appHost") {
                        map.insert("appHost".into(), Value::from("http://127.0.0.1:1"));
                    }
                }
            }
            Value::Object(map.into_iter().collect()).to_string()
        })
}

/// Config text: config-shaped objects, any JSON, arbitrary text.
fn config_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => config_object(),
        1 => json_value().prop_map(|v| v.to_string()),
        1 => sized_text(),
    ]
}

/// A config never names a host off this machine: what the properties may send requests to.
fn assert_offline(config: &str) {
    if let Ok(c) = Config::from_json(config) {
        let host = c.app_host.host_str().unwrap_or("");
        assert!(
            matches!(host, "127.0.0.1" | "localhost" | "[::1]"),
            "a generated config names a real host: {config}"
        );
    }
}

// ---- the parsers ------------------------------------------------------------------------------

#[test]
fn config_parser_never_panics() {
    check(
        "config text",
        config_text(),
        |text| match Config::from_json(&text) {
            Ok(c) => {
                assert!(
                    c.app_host.scheme() == "https"
                        || genauth::core::testing::is_loopback(&c.app_host)
                );
                assert!((1..=300_000).contains(&c.timeout_ms()));
                assert!(c.app_secret.is_some() || c.auth_method == genauth::core::AuthMethod::None);
            }
            Err(e) => assert!(
                matches!(e.code(), "invalid_config" | "insecure_transport"),
                "{e:?}"
            ),
        },
    );
}

#[test]
fn config_errors_never_quote_values() {
    // The parser's messages name keys, never values: a value may be the client secret.
    check(
        "config secret",
        (config_object(), secret()),
        |(text, secret)| {
            let mut doc: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
            doc.insert("appSecret".into(), Value::from(secret.clone()));
            let text = Value::Object(doc).to_string();
            if let Err(e) = Config::from_json(&text) {
                assert!(!e.to_string().contains(&secret), "{e}");
            }
        },
    );
}

#[test]
fn token_reply_parser_never_panics() {
    let body = prop_oneof![
        c_bytes(),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        (
            json_value(),
            proptest::option::of(json_value()),
            proptest::option::of(json_value())
        )
            .prop_map(|(extra, at, err)| {
                let mut m = serde_json::Map::new();
                m.insert("x".into(), extra);
                if let Some(at) = at {
                    m.insert("access_token".into(), at);
                }
                if let Some(err) = err {
                    m.insert("error".into(), err);
                }
                m.insert("expires_in".into(), Value::from("3600"));
                Value::Object(m).to_string().into_bytes()
            }),
    ];
    let status = prop_oneof![Just(200u16), Just(400), Just(302), Just(502), any::<u16>()];
    check("token reply", (status, body), |(status, body)| {
        match parse_token_reply(
            status,
            &body,
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        ) {
            Ok(tokens) => {
                assert!((200..300).contains(&status));
                assert!(!tokens.access_token.is_empty());
            }
            Err(e) => assert!(
                matches!(e.code(), "oauth_error" | "http_status" | "invalid_response"),
                "{e:?}"
            ),
        }
        if let Err(e) = parse_json_reply(status, &body) {
            assert!(matches!(
                e.code(),
                "oauth_error" | "http_status" | "invalid_response"
            ));
        }
    });
}

#[test]
fn options_parsers_never_panic() {
    let options = prop_oneof![
        json_value().prop_map(|v| v.to_string()),
        sized_text(),
        (hash_map(
            prop_oneof![
                Just("codeVerifier".to_owned()),
                Just("nonce".to_owned()),
                Just("scope".to_owned()),
                Just("prompt".to_owned()),
                Just("extraParams".to_owned()),
                text()
            ],
            json_value(),
            0..4
        ))
        .prop_map(|m| Value::Object(m.into_iter().collect()).to_string()),
    ];
    let config = Config::from_json(
        r#"{"appId":"a","appSecret":"s3cret-value","appHost":"http://127.0.0.1:1","redirectUri":"https://app/cb"}"#,
    )
    .unwrap();
    check("exchange/authorize options", options, |text| {
        if let Err(e) = ExchangeOptions::from_json(&text) {
            assert_eq!(e.code(), "invalid_argument");
        }
        match AuthorizeOptions::from_json(&text) {
            Ok(options) => match build_authorize_url(&config, &options, None) {
                Ok(request) => {
                    assert!(url::Url::parse(request.url.as_str()).is_ok());
                    assert_eq!(request.code_verifier.len(), 43);
                }
                Err(e) => assert_eq!(e.code(), "invalid_argument", "{e:?}"),
            },
            Err(e) => assert_eq!(e.code(), "invalid_argument"),
        }
    });
}

#[test]
fn callback_parser_never_panics() {
    let param = (
        prop_oneof![
            Just("code"),
            Just("state"),
            Just("iss"),
            Just("error"),
            Just("error_description"),
            Just("x")
        ],
        text(),
        any::<bool>(),
    )
        .prop_map(|(k, v, encode)| {
            if encode {
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair(k, &v)
                    .finish()
            } else {
                format!("{k}={v}")
            }
        });
    let url = prop_oneof![
        (
            prop_oneof![
                Just("https://app/cb"),
                Just("com.example.app:/cb"),
                Just("http://127.0.0.1:8976/callback#x")
            ],
            vec(param, 0..6)
        )
            .prop_map(|(base, params)| format!("{base}?{}", params.join("&"))),
        sized_text(),
    ];
    check(
        "callback",
        (url, text(), text(), any::<bool>()),
        |(url, state, issuer, iss_required)| match parse_callback(
            &url,
            &CallbackExpectations {
                state: &state,
                issuer: &issuer,
                redirect_uri: Some("https://app/cb"),
                iss_required,
            },
        ) {
            Ok(cb) => {
                assert!(!cb.code.is_empty());
                assert_eq!(cb.state, state);
            }
            Err(e) => assert!(
                matches!(
                    e.code(),
                    "invalid_argument" | "state_mismatch" | "issuer_mismatch" | "oauth_error"
                ),
                "{e:?}"
            ),
        },
    );
}

// ---- the C ABI --------------------------------------------------------------------------------

#[test]
fn one_shot_calls_handle_any_arguments() {
    let config = prop_oneof![
        2 => c_arg(),
        2 => config_text().prop_map(|t| Some(t.into_bytes())),
        1 => Just(Some(echo_config(CLIENT_SECRET, "").into_bytes())),
    ];
    check(
        "genauth_exchange_code/refresh args",
        (config, c_arg(), c_arg()),
        |(config, a, b)| {
            if let Some(text) = config.as_deref().and_then(|c| std::str::from_utf8(c).ok()) {
                assert_offline(&text.replace('\0', ""));
            }
            let (cfg, a, b) = (CArg::new(&config), CArg::new(&a), CArg::new(&b));
            // SAFETY: NULL or NUL-terminated strings that outlive the calls.
            let docs = unsafe {
                [
                    take(genauth_exchange_code(cfg.ptr(), a.ptr(), b.ptr())),
                    take(genauth_refresh(cfg.ptr(), a.ptr())),
                ]
            };
            for doc in docs {
                if cfg.0.is_none() {
                    assert_eq!(code(&doc), "null_argument", "{doc}");
                } else if !cfg.is_utf8() {
                    assert_eq!(code(&doc), "invalid_utf8", "{doc}");
                }
            }
        },
    );
}

#[test]
fn echoed_arbitrary_secrets_are_redacted() {
    let method = prop_oneof![
        Just(""),
        Just(r#""tokenEndPointAuthMethod":"client_secret_basic","#),
        Just(r#""validateIdToken":false,"#),
    ];
    check(
        "echoed secrets",
        (secret(), secret(), secret(), method),
        |(client_secret, grant, verifier, method)| {
            let config = echo_config(&client_secret, method);
            let mut secrets = vec![client_secret.clone(), grant.clone()];
            if method.contains("basic") {
                secrets.push(genauth::core::testing::basic_credentials(
                    "app-prop",
                    &client_secret,
                ));
            }
            let secrets_ref: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let (cfg, g, v) = (
                support::ffi::c(&config),
                support::ffi::c(&grant),
                support::ffi::c(&verifier),
            );
            // SAFETY: NUL-terminated strings that outlive the calls.
            let docs = unsafe {
                [
                    take(genauth_exchange_code(cfg.as_ptr(), g.as_ptr(), ptr::null())),
                    take(genauth_refresh(cfg.as_ptr(), g.as_ptr())),
                ]
            };
            for doc in &docs {
                // invalid_response: an echo of a huge request is larger than the reply cap.
                assert!(
                    matches!(
                        code(doc),
                        "oauth_error" | "invalid_argument" | "invalid_response"
                    ),
                    "{doc}"
                );
                assert_no_secret(doc, &secrets_ref);
            }
            let client = support::ffi::Client::new(&config).unwrap();
            // SAFETY: a live client and NUL-terminated strings.
            let docs = unsafe {
                [
                    take(genauth_client_exchange_code(
                        client.ptr(),
                        g.as_ptr(),
                        v.as_ptr(),
                    )),
                    take(genauth_client_revoke(client.ptr(), g.as_ptr(), ptr::null())),
                    take(genauth_client_introspect(client.ptr(), g.as_ptr())),
                    take(genauth_client_userinfo(client.ptr(), g.as_ptr())),
                ]
            };
            let mut with_verifier = secrets_ref.clone();
            with_verifier.push(&verifier);
            for doc in &docs {
                assert!(
                    matches!(
                        code(doc),
                        "oauth_error" | "invalid_argument" | "http_status" | "invalid_response"
                    ),
                    "{doc}"
                );
                assert_no_secret(doc, &with_verifier);
            }
        },
    );
}

#[test]
fn client_functions_handle_any_arguments() {
    let client = support::ffi::Client::new(&echo_config(CLIENT_SECRET, "")).unwrap();
    let client_ptr = prop_oneof![1 => Just(false), 5 => Just(true)];
    check(
        "genauth_client_* args",
        (client_ptr, c_arg(), c_arg(), c_arg()),
        |(use_client, a, b, config)| {
            let c = if use_client {
                client.ptr()
            } else {
                ptr::null()
            };
            let (a, b, config) = (CArg::new(&a), CArg::new(&b), CArg::new(&config));
            if let Some(text) = config.0.as_ref().and_then(|c| c.to_str().ok()) {
                assert_offline(text);
            }
            // SAFETY: NULL or a live client; NULL or NUL-terminated strings.
            let docs = unsafe {
                [
                    take(genauth_client_exchange_code(c, a.ptr(), b.ptr())),
                    take(genauth_client_exchange_code_with(c, a.ptr(), b.ptr())),
                    take(genauth_client_refresh(c, a.ptr())),
                    take(genauth_client_revoke(c, a.ptr(), b.ptr())),
                    take(genauth_client_introspect(c, a.ptr())),
                    take(genauth_client_userinfo(c, a.ptr())),
                    async_refresh(c, a.ptr()),
                    async_exchange(c, a.ptr(), b.ptr()),
                ]
            };
            for doc in &docs {
                if !use_client {
                    assert_eq!(code(doc), "null_argument", "{doc}");
                }
            }
            // The constructor: a client or an error document.
            let mut error: *mut c_char = ptr::null_mut();
            // SAFETY: NULL or a NUL-terminated string; a writable `char *`.
            let made = unsafe { genauth_client_new(config.ptr(), &mut error) };
            if made.is_null() {
                let doc = take(error);
                assert_eq!(doc["ok"], false);
            } else {
                assert!(error.is_null());
                // SAFETY: from genauth_client_new, freed once.
                unsafe { genauth_client_free(made) };
            }
            // SAFETY: a writable NULL error pointer is allowed.
            let made = unsafe { genauth_client_new(config.ptr(), ptr::null_mut()) };
            // SAFETY: NULL or from genauth_client_new.
            unsafe { genauth_client_free(made) };
        },
    );
}

#[test]
fn login_functions_handle_any_arguments() {
    let config = prop_oneof![
        c_arg(),
        config_text().prop_map(|t| Some(t.into_bytes())),
        Just(Some(echo_config(CLIENT_SECRET, "").into_bytes())),
    ];
    check(
        "authorize url / callback args",
        (config, c_arg(), c_arg()),
        |(config, a, b)| {
            let (cfg, a, b) = (CArg::new(&config), CArg::new(&a), CArg::new(&b));
            // SAFETY: NULL or NUL-terminated strings that outlive the calls.
            let docs = unsafe {
                [
                    take(genauth_build_authorize_url(cfg.ptr(), a.ptr())),
                    take(genauth_parse_callback(cfg.ptr(), a.ptr(), b.ptr())),
                ]
            };
            for doc in docs {
                if cfg.0.is_none() {
                    assert_eq!(code(&doc), "null_argument", "{doc}");
                } else if !cfg.is_utf8() {
                    assert_eq!(code(&doc), "invalid_utf8", "{doc}");
                }
            }
        },
    );
}

#[test]
fn sessions_handle_any_token_documents() {
    let client = support::ffi::Client::new(&echo_config(CLIENT_SECRET, "")).unwrap();
    let tokens = prop_oneof![
        c_arg(),
        json_value().prop_map(|v| Some(v.to_string().into_bytes())),
        (
            json_value(),
            json_value(),
            proptest::option::of(any::<i64>()),
            any::<bool>()
        )
            .prop_map(|(at, rt, exp, wrap)| {
                let mut t = serde_json::json!({"access_token": at, "refresh_token": rt});
                if let Some(exp) = exp {
                    t["expires_at"] = Value::from(exp);
                }
                let doc = if wrap {
                    serde_json::json!({"ok": true, "tokens": t})
                } else {
                    t
                };
                Some(doc.to_string().into_bytes())
            }),
    ];
    check(
        "genauth_session_* args",
        (tokens, any::<u32>()),
        |(tokens, min_valid)| {
            let tokens = CArg::new(&tokens);
            let mut error: *mut c_char = ptr::null_mut();
            // SAFETY: a live client, NULL or a NUL-terminated string, a writable `char *`.
            let session = unsafe { genauth_session_new(client.ptr(), tokens.ptr(), &mut error) };
            if session.is_null() {
                assert_eq!(take(error)["ok"], false);
                return;
            }
            // SAFETY: a live session, released once at the end.
            unsafe {
                take(genauth_session_tokens(session));
                take(genauth_session_fresh_tokens(session, min_valid));
                take(genauth_session_tokens(session));
                genauth_session_free(session);
            }
        },
    );
    // NULL session and client.
    // SAFETY: NULL is allowed everywhere here.
    unsafe {
        assert_eq!(
            code(&take(genauth_session_tokens(ptr::null()))),
            "null_argument"
        );
        assert_eq!(
            code(&take(genauth_session_fresh_tokens(ptr::null_mut(), 60))),
            "null_argument"
        );
        genauth_session_free(ptr::null_mut());
        genauth_string_free(ptr::null_mut());
    }
}

// ---- async helpers ------------------------------------------------------------------------------

unsafe extern "C" fn deliver(user_data: *mut c_void, result: *mut c_char) {
    // SAFETY: the boxed sender made by wait_async, used once.
    let tx = unsafe { Box::from_raw(user_data.cast::<mpsc::Sender<usize>>()) };
    let _ = tx.send(result as usize);
}

fn wait_async(start: impl FnOnce(*mut c_void) -> i32) -> Value {
    let (tx, rx) = mpsc::channel::<usize>();
    let user_data = Box::into_raw(Box::new(tx)).cast::<c_void>();
    assert_eq!(start(user_data), 0);
    take(
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the callback ran") as *mut c_char,
    )
}

unsafe fn async_refresh(client: *const genauth_client, token: *const c_char) -> Value {
    // SAFETY: forwarded.
    wait_async(|ud| unsafe { genauth_client_refresh_async(client, token, Some(deliver), ud) })
}

unsafe fn async_exchange(
    client: *const genauth_client,
    code: *const c_char,
    options: *const c_char,
) -> Value {
    // SAFETY: forwarded.
    wait_async(|ud| unsafe {
        genauth_client_exchange_code_async(client, code, options, Some(deliver), ud)
    })
}

// ---- regressions found by the properties ------------------------------------------------------

#[test]
fn control_character_in_a_header_value_is_invalid_argument() {
    // Found by `echoed_arbitrary_secrets_are_redacted`: a Bearer token with DEL (0x7f) could
    // not become a header, and the failed request was reported as `connect_failed`.
    let client = support::ffi::Client::new(&echo_config(CLIENT_SECRET, "")).unwrap();
    for token in ["Zq9\u{7f}", "at\r\nx-injected: 1", "at\u{1}"] {
        let token = support::ffi::c(token);
        // SAFETY: a live client and a NUL-terminated string.
        let doc = take(unsafe { genauth_client_userinfo(client.ptr(), token.as_ptr()) });
        assert_eq!(code(&doc), "invalid_argument", "{doc}");
    }
    // The appId goes into the X-GenAuth-App-Id header of every call.
    let config = echo_config(CLIENT_SECRET, "").replace("app-prop", "app\\u0001");
    let doc = support::ffi::refresh(&config, "rt").doc;
    assert_eq!(code(&doc), "invalid_argument", "{doc}");
}

#[test]
fn basic_credentials_echoed_by_revocation_and_introspection_are_redacted() {
    // Found by `echoed_arbitrary_secrets_are_redacted`: revoke and introspect redacted with the
    // client secret alone, so an echoed `Authorization: Basic ...` (base64 of id:secret, the
    // secret in a reversible form) came back whole.
    let secret = "Zq9[basic-secret]";
    let config = echo_config(
        secret,
        r#""tokenEndPointAuthMethod":"client_secret_basic","#,
    );
    let basic = genauth::core::testing::basic_credentials("app-prop", secret);
    let client = support::ffi::Client::new(&config).unwrap();
    let token = support::ffi::c("some-token");
    // SAFETY: a live client and NUL-terminated strings.
    let docs = unsafe {
        [
            take(genauth_client_revoke(
                client.ptr(),
                token.as_ptr(),
                ptr::null(),
            )),
            take(genauth_client_introspect(client.ptr(), token.as_ptr())),
        ]
    };
    for doc in docs {
        assert_eq!(code(&doc), "oauth_error", "{doc}");
        assert!(
            doc.to_string().contains("authorization: Basic [redacted]"),
            "{doc}"
        );
        assert_no_secret(&doc, &[secret, &basic]);
    }
}
