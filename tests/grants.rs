//! The grants beyond the login, against a loopback provider that scripts every answer:
//! client credentials, the logout URL, and the device authorization grant (RFC 8628) with its
//! pending / slow_down / denied / expired answers.

mod support {
    pub mod canned_server;
    pub mod fake_provider;
    pub mod ffi;
    pub mod outcome;
}

use std::ffi::CString;
use std::time::{Duration, Instant};

use genauth::core::{Client, ClientCredentialsOptions, Config, LogoutOptions};
use genauth::ffi::client::{genauth_client_free, genauth_client_new};
use genauth::ffi::grants::{
    genauth_client_credentials, genauth_client_credentials_async, genauth_client_device_poll,
    genauth_client_device_poll_async, genauth_client_device_start,
    genauth_client_device_start_async, genauth_client_logout_url, genauth_client_logout_url_async,
};
use serde_json::Value;
use support::fake_provider::{FakeProvider, DISCOVERY, TOKEN};
use support::ffi::{c, call_async, code, take};
use support::outcome::{failure, outcome};

const APP_ID: &str = "app-1";
const SECRET: &str = "client-secret-0123456789";
const DEVICE: &str = "/oidc/device/auth";
/// How long a test waits for an `_async` call's callback.
const ASYNC_WAIT: Duration = Duration::from_secs(20);

fn config_json(p: &FakeProvider, extra: &str) -> String {
    format!(
        r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}","timeoutMs":3000{extra}}}"#,
        p.url
    )
}

fn client(p: &FakeProvider, extra: &str) -> Client {
    Client::new(Config::from_json(&config_json(p, extra)).unwrap()).unwrap()
}

/// Runs a blocking C call on a thread of its own: a runtime thread would be `reentrant_call`.
async fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(move || std::thread::spawn(f).join().unwrap())
        .await
        .unwrap()
}

fn body(request: &str) -> &str {
    request.split("\r\n\r\n").nth(1).unwrap_or("")
}

fn with_device_endpoint(p: &FakeProvider) {
    let doc = format!(
        r#"{{"issuer":"{u}/oidc","token_endpoint":"{u}/oidc/token","jwks_uri":"{u}/oidc/.well-known/jwks.json","device_authorization_endpoint":"{u}{DEVICE}","end_session_endpoint":"{u}/oidc/logout-here"}}"#,
        u = p.url
    );
    p.set(DISCOVERY, "200 OK", &doc);
}

#[tokio::test]
async fn client_credentials_posts_the_grant_and_scope_with_each_auth_method() {
    let p = FakeProvider::start().await;
    p.set(
        TOKEN,
        "200 OK",
        r#"{"access_token":"at-m2m","token_type":"Bearer","expires_in":600}"#,
    );
    let options = ClientCredentialsOptions {
        scope: Some("read:users write:users".into()),
    };
    let doc = outcome(client(&p, "").client_credentials(&options).await);
    assert_eq!(doc["tokens"]["access_token"], "at-m2m", "{doc}");
    let requests = p.requests(TOKEN);
    let sent = body(&requests[0].0);
    assert!(sent.contains("grant_type=client_credentials"), "{sent}");
    assert!(sent.contains("scope=read%3Ausers+write%3Ausers"), "{sent}");
    assert!(sent.contains(&format!("client_secret={SECRET}")), "{sent}");

    let basic = r#","tokenEndPointAuthMethod":"client_secret_basic""#;
    let doc = outcome(
        client(&p, basic)
            .client_credentials(&ClientCredentialsOptions::default())
            .await,
    );
    assert_eq!(doc["ok"], true, "{doc}");
    let requests = p.requests(TOKEN);
    let last = &requests[1].0;
    assert!(
        last.to_ascii_lowercase().contains("authorization: basic "),
        "{last}"
    );
    assert!(!body(last).contains("client_secret"), "{last}");
    assert!(!body(last).contains("scope="), "{last}");
}

#[test]
fn client_credentials_refuses_a_public_client_and_bad_options() {
    // Nothing is sent: port 9 (discard) would refuse anyway.
    let public =
        r#"{"appId":"app-1","appHost":"http://127.0.0.1:9","tokenEndPointAuthMethod":"none"}"#;
    let c = CString::new(public).unwrap();
    let client = unsafe { genauth_client_new(c.as_ptr(), std::ptr::null_mut()) };
    assert!(!client.is_null());
    let doc = take(unsafe { genauth_client_credentials(client, std::ptr::null()) });
    assert_eq!(code(&doc), "invalid_config", "{doc}");
    let bad = CString::new(r#"{"scopes":"x"}"#).unwrap();
    let doc = take(unsafe { genauth_client_credentials(client, bad.as_ptr()) });
    assert_eq!(code(&doc), "invalid_argument", "{doc}");
    unsafe { genauth_client_free(client) };
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_through_the_c_abi() {
    let p = FakeProvider::start().await;
    p.set(
        TOKEN,
        "200 OK",
        r#"{"access_token":"at-c","token_type":"Bearer"}"#,
    );
    let c = CString::new(config_json(&p, "")).unwrap();
    let doc = off_runtime(move || unsafe {
        let client = genauth_client_new(c.as_ptr(), std::ptr::null_mut());
        let o = CString::new(r#"{"scope":"api"}"#).unwrap();
        let doc = take(genauth_client_credentials(client, o.as_ptr()));
        genauth_client_free(client);
        doc
    })
    .await;
    assert_eq!(doc["tokens"]["access_token"], "at-c", "{doc}");
}

#[tokio::test]
async fn logout_url_uses_discovery_then_the_documented_path() {
    let p = FakeProvider::start().await;
    with_device_endpoint(&p);
    let options = LogoutOptions::from_json(Some(
        r#"{"idTokenHint":"id.tok.en","postLogoutRedirectUri":"https://app.example/bye","state":"s-1"}"#,
    ))
    .unwrap();
    let url = client(&p, "").logout_url(&options).await.unwrap().url;
    assert_eq!(
        url.as_str(),
        format!(
            "{}/oidc/logout-here?client_id=app-1&id_token_hint=id.tok.en&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=s-1",
            p.url
        )
    );
    // Without discovery: {appHost}/{protocol}/session/end, client_id only.
    let p = FakeProvider::start().await;
    p.set(DISCOVERY, "404 Not Found", "{}");
    let url = client(&p, r#","protocol":"oauth""#)
        .logout_url(&LogoutOptions::default())
        .await
        .unwrap()
        .url;
    assert_eq!(
        url.as_str(),
        format!("{}/oauth/session/end?client_id=app-1", p.url)
    );
    let bad = LogoutOptions::from_json(Some(r#"{"postLogoutRedirectUri":"not a url"}"#)).unwrap();
    let e = client(&p, "").logout_url(&bad).await.unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_url_through_the_c_abi() {
    let p = FakeProvider::start().await;
    with_device_endpoint(&p);
    let c = CString::new(config_json(&p, "")).unwrap();
    let doc = off_runtime(move || unsafe {
        let client = genauth_client_new(c.as_ptr(), std::ptr::null_mut());
        let doc = take(genauth_client_logout_url(client, std::ptr::null()));
        genauth_client_free(client);
        doc
    })
    .await;
    let url = doc["logout"]["url"].as_str().unwrap_or_default();
    assert!(url.ends_with("/oidc/logout-here?client_id=app-1"), "{doc}");
}

const STARTED: &str = r#"{"device_code":"dc-secret-0123456789","user_code":"ABCD-EFGH","verification_uri":"https://v.example/device","verification_uri_complete":"https://v.example/device?user_code=ABCD-EFGH","expires_in":600,"interval":1}"#;
const PENDING: &str = r#"{"error":"authorization_pending"}"#;

#[tokio::test]
async fn device_poll_honours_the_interval_pending_and_slow_down() {
    let p = FakeProvider::start().await;
    with_device_endpoint(&p);
    p.set(DEVICE, "200 OK", STARTED);
    p.queue(TOKEN, "400 Bad Request", PENDING);
    p.queue(TOKEN, "400 Bad Request", r#"{"error":"slow_down"}"#);
    p.set(
        TOKEN,
        "200 OK",
        r#"{"access_token":"at-device","token_type":"Bearer"}"#,
    );
    let c = client(&p, "");
    let started_at = Instant::now();
    let device = c
        .device_start(&ClientCredentialsOptions {
            scope: Some("openid offline_access".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        (device.user_code.as_str(), device.interval),
        ("ABCD-EFGH", 1)
    );
    let start_body = body(&p.requests(DEVICE)[0].0).to_owned();
    assert!(
        start_body.contains("client_secret="),
        "client authentication: {start_body}"
    );
    assert!(
        start_body.contains("scope=openid+offline_access"),
        "{start_body}"
    );

    let doc = outcome(
        c.device_poll(&device.device_code, Duration::from_secs(30))
            .await,
    );
    assert_eq!(doc["tokens"]["access_token"], "at-device", "{doc}");
    let polls = p.requests(TOKEN);
    assert_eq!(polls.len(), 3);
    assert!(body(&polls[0].0).contains(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc-secret-0123456789"
    ));
    // 1 s after start, 1 s after pending, then 1 + 5 s after slow_down.
    let gaps = [
        polls[0].1 - started_at,
        polls[1].1 - polls[0].1,
        polls[2].1 - polls[1].1,
    ];
    assert!(gaps[0] >= Duration::from_millis(950), "{gaps:?}");
    assert!(
        gaps[1] >= Duration::from_millis(950) && gaps[1] < Duration::from_secs(3),
        "{gaps:?}"
    );
    assert!(gaps[2] >= Duration::from_millis(5950), "{gaps:?}");
}

#[tokio::test]
async fn device_poll_ends_with_authorization_pending_then_oauth_errors() {
    let p = FakeProvider::start().await;
    with_device_endpoint(&p);
    p.set(DEVICE, "200 OK", STARTED);
    p.set(TOKEN, "400 Bad Request", PENDING);
    let c = client(&p, "");
    let device = c
        .device_start(&ClientCredentialsOptions::default())
        .await
        .unwrap();
    let begun = Instant::now();
    let doc = failure(
        &c.device_poll(&device.device_code, Duration::from_secs(2))
            .await
            .unwrap_err(),
    );
    assert_eq!(doc["error"]["code"], "authorization_pending", "{doc}");
    assert!(
        begun.elapsed() < Duration::from_secs(3),
        "{:?}",
        begun.elapsed()
    );
    assert!((1..=2).contains(&p.hits(TOKEN)), "{}", p.hits(TOKEN));
    // The provider's ends are oauth_error.
    for (error, path_hits) in [("access_denied", 1), ("expired_token", 1)] {
        let before = p.hits(TOKEN);
        let device = c
            .device_start(&ClientCredentialsOptions::default())
            .await
            .unwrap();
        p.queue(
            TOKEN,
            "400 Bad Request",
            &format!(r#"{{"error":"{error}"}}"#),
        );
        let e = c
            .device_poll(&device.device_code, Duration::from_secs(5))
            .await
            .unwrap_err();
        let doc = failure(&e);
        assert_eq!(doc["error"]["code"], "oauth_error", "{doc}");
        assert_eq!(doc["error"]["oauth_error"], error, "{doc}");
        assert_eq!(p.hits(TOKEN) - before, path_hits);
        let text = doc.to_string();
        assert!(!text.contains("dc-secret"), "{text}");
    }
}

#[tokio::test]
async fn an_unknown_device_code_waits_the_default_five_seconds() {
    let p = FakeProvider::start().await;
    with_device_endpoint(&p);
    p.set(TOKEN, "400 Bad Request", PENDING);
    let c = client(&p, "");
    let e = c
        .device_poll("never-started", Duration::from_secs(3))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "authorization_pending");
    assert_eq!(p.hits(TOKEN), 0, "polled before the default interval");
}

#[tokio::test(flavor = "multi_thread")]
async fn device_flow_through_the_c_abi() {
    let p = FakeProvider::start().await;
    with_device_endpoint(&p);
    p.set(DEVICE, "200 OK", STARTED);
    p.queue(TOKEN, "400 Bad Request", PENDING);
    p.set(
        TOKEN,
        "200 OK",
        r#"{"access_token":"at-dev-c","token_type":"Bearer"}"#,
    );
    let c = CString::new(config_json(&p, "")).unwrap();
    let (start, poll): (Value, Value) = off_runtime(move || unsafe {
        let client = genauth_client_new(c.as_ptr(), std::ptr::null_mut());
        let start = take(genauth_client_device_start(client, std::ptr::null()));
        let dc = CString::new(start["device"]["device_code"].as_str().unwrap()).unwrap();
        let poll = take(genauth_client_device_poll(client, dc.as_ptr(), 10));
        let none = take(genauth_client_device_poll(client, std::ptr::null(), 1));
        assert_eq!(code(&none), "null_argument", "{none}");
        genauth_client_free(client);
        (start, poll)
    })
    .await;
    assert_eq!(start["device"]["interval"], 1, "{start}");
    assert_eq!(
        start["device"]["verification_uri_complete"],
        "https://v.example/device?user_code=ABCD-EFGH"
    );
    assert_eq!(poll["tokens"]["access_token"], "at-dev-c", "{poll}");
}

/// The non-blocking forms give the blocking calls' documents through the callback; the client
/// may be freed while a poll is in flight.
#[tokio::test(flavor = "multi_thread")]
async fn the_grants_without_blocking() {
    let p = FakeProvider::start().await;
    with_device_endpoint(&p);
    p.set(DEVICE, "200 OK", STARTED);
    p.set(
        TOKEN,
        "200 OK",
        r#"{"access_token":"at-m2m-async","token_type":"Bearer"}"#,
    );
    let config = c(&config_json(&p, ""));
    let provider = p.clone();
    let (start, logout, credentials, poll, since_start) = off_runtime(move || {
        let scope = c(r#"{"scope":"api"}"#);
        let logout_options = c(r#"{"idTokenHint":"id.tok.en","state":"s-1"}"#);
        // SAFETY (every block below): a live client until it is freed, NUL-terminated strings
        // that outlive the call (the call copies them before it returns).
        let client = unsafe { genauth_client_new(config.as_ptr(), std::ptr::null_mut()) };
        assert!(!client.is_null());
        let begun = Instant::now();
        let start = call_async(
            |cb, ud| unsafe { genauth_client_device_start_async(client, std::ptr::null(), cb, ud) },
            ASYNC_WAIT,
        );
        let logout = call_async(
            |cb, ud| unsafe {
                genauth_client_logout_url_async(client, logout_options.as_ptr(), cb, ud)
            },
            ASYNC_WAIT,
        );
        let credentials = call_async(
            |cb, ud| unsafe { genauth_client_credentials_async(client, scope.as_ptr(), cb, ud) },
            ASYNC_WAIT,
        );
        // The device is approved at the second poll.
        provider.queue(TOKEN, "400 Bad Request", PENDING);
        provider.queue(
            TOKEN,
            "200 OK",
            r#"{"access_token":"at-dev-async","token_type":"Bearer"}"#,
        );
        let device_code = c(start["device"]["device_code"].as_str().unwrap_or_default());
        let poll = call_async(
            |cb, ud| unsafe {
                let accepted =
                    genauth_client_device_poll_async(client, device_code.as_ptr(), 10, cb, ud);
                // Freed in flight: the poll goes on and its callback still runs.
                genauth_client_free(client);
                accepted
            },
            ASYNC_WAIT,
        );
        (start, logout, credentials, poll, begun.elapsed())
    })
    .await;
    assert_eq!(start["device"]["user_code"], "ABCD-EFGH", "{start}");
    assert_eq!(start["device"]["interval"], 1, "{start}");
    assert_eq!(
        logout["logout"]["url"],
        format!(
            "{}/oidc/logout-here?client_id=app-1&id_token_hint=id.tok.en&state=s-1",
            p.url
        ),
        "{logout}"
    );
    assert_eq!(
        credentials["tokens"]["access_token"], "at-m2m-async",
        "{credentials}"
    );
    assert_eq!(poll["tokens"]["access_token"], "at-dev-async", "{poll}");
    // Two polls, each one interval (1 s, as the provider said) after the last.
    let polls = p.requests(TOKEN);
    assert_eq!(polls.len(), 3, "one client_credentials grant and two polls");
    assert!(body(&polls[0].0).contains("grant_type=client_credentials"));
    assert!(body(&polls[2].0).contains("device_code=dc-secret-0123456789"));
    assert!(
        since_start >= Duration::from_millis(1950),
        "{since_start:?}"
    );
}

/// Argument errors of the non-blocking forms arrive through the callback; a NULL callback is -1
/// and nothing runs.
#[test]
fn the_grants_without_blocking_report_argument_errors_through_the_callback() {
    // Nothing is sent: every call fails on its arguments. Port 9 (discard) would refuse anyway.
    let client = support::ffi::Client::new(
        r#"{"appId":"app-1","appSecret":"client-secret-0123","appHost":"http://127.0.0.1:9"}"#,
    )
    .unwrap();
    let bad_scope = c(r#"{"scopes":"x"}"#);
    let unknown_logout = c(r#"{"idTokenHint":"a","next":"b"}"#);
    let not_json = c("{");
    let device_code = c("dc-0123456789");
    let (no_client, null) = (std::ptr::null(), std::ptr::null());
    // SAFETY (every call): NULL where the test wants it, otherwise live clients and
    // NUL-terminated strings that outlive the call.
    let cases: Vec<(&str, Value)> = vec![
        (
            "null_argument",
            call_async(
                |cb, ud| unsafe { genauth_client_logout_url_async(no_client, null, cb, ud) },
                ASYNC_WAIT,
            ),
        ),
        (
            "null_argument",
            call_async(
                |cb, ud| unsafe { genauth_client_device_start_async(no_client, null, cb, ud) },
                ASYNC_WAIT,
            ),
        ),
        (
            "null_argument",
            call_async(
                |cb, ud| unsafe {
                    genauth_client_device_poll_async(no_client, device_code.as_ptr(), 1, cb, ud)
                },
                ASYNC_WAIT,
            ),
        ),
        (
            "null_argument",
            call_async(
                |cb, ud| unsafe { genauth_client_device_poll_async(client.ptr(), null, 1, cb, ud) },
                ASYNC_WAIT,
            ),
        ),
        (
            "invalid_argument",
            call_async(
                |cb, ud| unsafe {
                    genauth_client_device_start_async(client.ptr(), bad_scope.as_ptr(), cb, ud)
                },
                ASYNC_WAIT,
            ),
        ),
        (
            "invalid_argument",
            call_async(
                |cb, ud| unsafe {
                    genauth_client_logout_url_async(client.ptr(), unknown_logout.as_ptr(), cb, ud)
                },
                ASYNC_WAIT,
            ),
        ),
        (
            "invalid_argument",
            call_async(
                |cb, ud| unsafe {
                    genauth_client_logout_url_async(client.ptr(), not_json.as_ptr(), cb, ud)
                },
                ASYNC_WAIT,
            ),
        ),
    ];
    for (expected, doc) in &cases {
        assert_eq!(code(doc), *expected, "{doc}");
    }
    // A NULL callback: -1, and nothing runs.
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            genauth_client_logout_url_async(client.ptr(), null, None, std::ptr::null_mut()),
            -1
        );
        assert_eq!(
            genauth_client_device_start_async(client.ptr(), null, None, std::ptr::null_mut()),
            -1
        );
        assert_eq!(
            genauth_client_device_poll_async(
                client.ptr(),
                device_code.as_ptr(),
                1,
                None,
                std::ptr::null_mut()
            ),
            -1
        );
    }
}

/// Actionable errors: the URL (no query) in connect_failed, http_status and timeout messages,
/// and a hint when appHost already ends in the protocol's path.
#[tokio::test]
async fn transport_errors_name_the_url_and_a_doubled_protocol_path_gets_a_hint() {
    // connect_failed: a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = Client::new(
        Config::from_json(&format!(
            r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"http://127.0.0.1:{port}","validateIdToken":false,"timeoutMs":3000}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let e = c.refresh("rt-0123456789").await.unwrap_err();
    assert_eq!(e.code(), "connect_failed");
    assert!(
        e.to_string()
            .contains(&format!("http://127.0.0.1:{port}/oidc/token")),
        "{e}"
    );

    // http_status 404 with appHost ending in /oidc: the URL and the hint.
    let p = FakeProvider::start().await;
    let c = client(&p, "").refresh("rt-0123456789").await.unwrap_err();
    assert_eq!(c.code(), "http_status");
    assert!(
        c.to_string()
            .contains(&format!("(at {}/oidc/token)", p.url)),
        "{c}"
    );
    assert!(!c.to_string().contains("bare host"), "{c}");
    let doubled = Client::new(
        Config::from_json(&format!(
            r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}/oidc","timeoutMs":3000}}"#,
            p.url
        ))
        .unwrap(),
    )
    .unwrap();
    let e = doubled.refresh("rt-0123456789").await.unwrap_err();
    assert_eq!(e.code(), "http_status", "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("{}/oidc/oidc/token", p.url)),
        "{text}"
    );
    assert!(text.contains("appHost should be the bare host"), "{text}");

    // timeout: a token endpoint that never answers; the message names it, without the query.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let c = Client::new(
        Config::from_json(&format!(
            r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"http://{addr}","validateIdToken":false,"timeoutMs":300}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let e = c.refresh("rt-0123456789").await.unwrap_err();
    assert_eq!(e.code(), "timeout");
    assert!(
        e.to_string()
            .contains(&format!("(at http://{addr}/oidc/token)")),
        "{e}"
    );
    hold.abort();
}
