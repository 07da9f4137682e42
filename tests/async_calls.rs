//! Every non-blocking call through the C ABI: the result arrives once through the callback, with
//! the same document the blocking call gives; argument errors arrive that way too.

mod support {
    pub mod canned_server;
    pub mod fake_provider;
    pub mod ffi;
}

use std::ffi::CString;
use std::ptr;
use std::time::Duration;

use genauth::ffi::client_async::*;
use genauth::ffi::session::{
    genauth_session_free, genauth_session_fresh_tokens_async, genauth_session_new,
};
use serde_json::{json, Value};
use support::fake_provider::{FakeProvider, TOKEN};
use support::ffi::{c, call_async, code, take, Client};

const WAIT: Duration = Duration::from_secs(10);

fn provider() -> FakeProvider {
    let rt = support_runtime();
    let p = rt.block_on(FakeProvider::start());
    p.set(
        TOKEN,
        "200 OK",
        r#"{"access_token":"at-2","refresh_token":"rt-2","expires_in":600}"#,
    );
    p.set("/oidc/token/revocation", "200 OK", "");
    p.set(
        "/oidc/token/introspection",
        "200 OK",
        r#"{"active":true,"sub":"u-1"}"#,
    );
    p.set("/oidc/me", "200 OK", r#"{"sub":"u-1","name":"Ada"}"#);
    p
}

/// The fake provider's own threads: the test thread makes the C calls.
fn support_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn client(p: &FakeProvider) -> Client {
    Client::new(&format!(
        r#"{{"appId":"app-1","appSecret":"client-secret-0123","appHost":"{}","redirectUri":"http://127.0.0.1:9/cb","validateIdToken":false}}"#,
        p.url
    ))
    .unwrap()
}

#[test]
fn every_client_call_has_a_non_blocking_form() {
    let p = provider();
    let c_ = client(&p);
    let token = c("at-1");
    let hint = c("access_token");
    // SAFETY (every block below): a live client, NUL-terminated strings that outlive the call.
    let revoked = call_async(
        |cb, ud| unsafe {
            genauth_client_revoke_async(c_.ptr(), token.as_ptr(), hint.as_ptr(), cb, ud)
        },
        WAIT,
    );
    assert_eq!(revoked, json!({"ok": true}));
    let introspection = call_async(
        |cb, ud| unsafe { genauth_client_introspect_async(c_.ptr(), token.as_ptr(), cb, ud) },
        WAIT,
    );
    assert_eq!(introspection["introspection"]["active"], true);
    let userinfo = call_async(
        |cb, ud| unsafe { genauth_client_userinfo_async(c_.ptr(), token.as_ptr(), cb, ud) },
        WAIT,
    );
    assert_eq!(userinfo["userinfo"]["name"], "Ada");

    let login = call_async(
        |cb, ud| unsafe { genauth_client_authorize_url_async(c_.ptr(), ptr::null(), cb, ud) },
        WAIT,
    );
    let state = login["authorize"]["state"].as_str().unwrap().to_owned();
    assert!(login["authorize"]["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/oidc/auth?", p.url)));
    let callback = c(&format!("http://127.0.0.1:9/cb?code=c-1&state={state}"));
    let expected = c(&state);
    let parsed = call_async(
        |cb, ud| unsafe {
            genauth_client_parse_callback_async(
                c_.ptr(),
                callback.as_ptr(),
                expected.as_ptr(),
                cb,
                ud,
            )
        },
        WAIT,
    );
    assert_eq!(parsed["callback"]["code"], "c-1");
    let wrong = c("another-state");
    let refused = call_async(
        |cb, ud| unsafe {
            genauth_client_parse_callback_async(c_.ptr(), callback.as_ptr(), wrong.as_ptr(), cb, ud)
        },
        WAIT,
    );
    assert_eq!(code(&refused), "state_mismatch");
}

#[test]
fn argument_errors_arrive_through_the_callback() {
    let p = provider();
    let c_ = client(&p);
    let token = c("at-1");
    let cases: Vec<Value> = vec![
        // SAFETY: NULL where the test wants it, otherwise live pointers.
        call_async(
            |cb, ud| unsafe {
                genauth_client_revoke_async(ptr::null(), token.as_ptr(), ptr::null(), cb, ud)
            },
            WAIT,
        ),
        call_async(
            |cb, ud| unsafe { genauth_client_introspect_async(c_.ptr(), ptr::null(), cb, ud) },
            WAIT,
        ),
        call_async(
            |cb, ud| unsafe { genauth_client_userinfo_async(ptr::null(), token.as_ptr(), cb, ud) },
            WAIT,
        ),
        call_async(
            |cb, ud| unsafe {
                genauth_client_parse_callback_async(c_.ptr(), ptr::null(), token.as_ptr(), cb, ud)
            },
            WAIT,
        ),
        call_async(
            |cb, ud| unsafe { genauth_session_fresh_tokens_async(ptr::null_mut(), 60, cb, ud) },
            WAIT,
        ),
    ];
    for doc in cases {
        assert_eq!(code(&doc), "null_argument", "{doc}");
    }
    let bad = c(r#"{"scope": 5}"#);
    let doc = call_async(
        // SAFETY: as above.
        |cb, ud| unsafe { genauth_client_authorize_url_async(c_.ptr(), bad.as_ptr(), cb, ud) },
        WAIT,
    );
    assert_eq!(code(&doc), "invalid_argument");
    // A NULL callback: nothing is called, -1.
    // SAFETY: as above.
    assert_eq!(
        unsafe { genauth_client_userinfo_async(c_.ptr(), token.as_ptr(), None, ptr::null_mut()) },
        -1
    );
}

#[test]
fn a_session_refreshes_without_blocking_and_may_be_freed_in_flight() {
    let p = provider();
    let c_ = client(&p);
    let seed = CString::new(
        json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 0}).to_string(),
    )
    .unwrap();
    let mut error = ptr::null_mut();
    // SAFETY: a live client, a NUL-terminated string, a writable `char *`.
    let session = unsafe { genauth_session_new(c_.ptr(), seed.as_ptr(), &mut error) };
    assert!(!session.is_null(), "{}", take(error));
    let doc = call_async(
        |cb, ud| {
            // SAFETY: a live session; freed right after the call was accepted, while in flight.
            let accepted = unsafe { genauth_session_fresh_tokens_async(session, 60, cb, ud) };
            unsafe { genauth_session_free(session) };
            accepted
        },
        WAIT,
    );
    assert_eq!(doc["tokens"]["access_token"], "at-2", "{doc}");
}
