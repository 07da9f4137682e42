// Shared by several test crates; each uses only part of it.
#![allow(dead_code)]

//! Calls through the C ABI from Rust, as a C caller makes them: `CString` arguments, the
//! returned `char *` read as a NUL-terminated string, parsed as JSON, released with
//! `genauth_string_free`. Every document is checked against the contract's shape.

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use genauth::ffi::client::{
    genauth_client, genauth_client_exchange_code, genauth_client_free, genauth_client_new,
    genauth_client_refresh,
};
use genauth::ffi::client_async::genauth_client_refresh_async;
use genauth::ffi::oneshot::{genauth_exchange_code, genauth_refresh};
use genauth::ffi::strings::genauth_string_free;
use serde_json::Value;

/// The contract's stable error codes (`genauth_error_code` in include/genauth.h).
pub fn error_codes() -> impl Iterator<Item = &'static str> {
    genauth::core::ErrorCode::ALL.iter().map(|c| c.as_str())
}

/// Takes ownership of a library string: checks it, parses it, releases it.
pub fn take(result: *mut c_char) -> Value {
    assert!(!result.is_null(), "a result document is never NULL");
    // SAFETY: a library string: NUL-terminated, ours until released below.
    let text = unsafe { CStr::from_ptr(result) }
        .to_str()
        .map(str::to_owned);
    // SAFETY: released exactly once.
    unsafe { genauth_string_free(result) };
    let text = text.expect("result documents are UTF-8");
    let doc: Value = serde_json::from_str(&text).expect("result documents are JSON");
    check_document(&doc);
    doc
}

/// `{"ok": true, ...}` or `{"ok": false, "error": {"code": <contract code>, "message": "..."}}`.
pub fn check_document(doc: &Value) {
    let ok = doc["ok"]
        .as_bool()
        .unwrap_or_else(|| panic!("\"ok\" is not a boolean: {doc}"));
    if ok {
        assert!(doc.get("error").is_none(), "a success with an error: {doc}");
        return;
    }
    let error = &doc["error"];
    let code = error["code"].as_str().unwrap_or("");
    assert!(
        error_codes().any(|c| c == code),
        "not a contract code: {doc}"
    );
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {doc}"
    );
    assert!(doc.get("tokens").is_none(), "a failure with tokens: {doc}");
    if let Some(status) = error.get("http_status") {
        assert!(status.is_u64(), "http_status is not a number: {doc}");
    }
}

/// The error code of a failure document, or "ok".
pub fn code(doc: &Value) -> &str {
    if doc["ok"] == true {
        "ok"
    } else {
        doc["error"]["code"].as_str().unwrap_or("?")
    }
}

/// Asserts that no string anywhere in the document contains one of the secrets.
pub fn assert_no_secret(doc: &Value, secrets: &[&str]) {
    fn walk(v: &Value, secrets: &[&str], doc: &Value) {
        match v {
            Value::String(s) => {
                for secret in secrets.iter().filter(|s| !s.is_empty()) {
                    assert!(!s.contains(secret), "a secret leaked: {doc}");
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, secrets, doc)),
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                walk(&Value::String(k.clone()), secrets, doc);
                walk(v, secrets, doc);
            }),
            _ => {}
        }
    }
    walk(doc, secrets, doc);
}

pub fn c(s: &str) -> CString {
    CString::new(s).expect("no NUL inside")
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

/// A result document and how long the call took.
pub struct Timed {
    pub doc: Value,
    pub elapsed: Duration,
}

fn timed(call: impl FnOnce() -> *mut c_char) -> Timed {
    let started = Instant::now();
    let result = call();
    let elapsed = started.elapsed();
    Timed {
        doc: take(result),
        elapsed,
    }
}

pub fn exchange_code(config: &str, code: &str, verifier: Option<&str>) -> Timed {
    let (config, code, verifier) = (c(config), c(code), verifier.map(c));
    // SAFETY: NUL-terminated strings that outlive the call.
    timed(|| unsafe { genauth_exchange_code(config.as_ptr(), code.as_ptr(), opt_ptr(&verifier)) })
}

pub fn refresh(config: &str, refresh_token: &str) -> Timed {
    let (config, token) = (c(config), c(refresh_token));
    // SAFETY: as above.
    timed(|| unsafe { genauth_refresh(config.as_ptr(), token.as_ptr()) })
}

/// A `genauth_client`, freed on drop.
pub struct Client(*mut genauth_client);

// SAFETY: the contract makes a client safe to share between threads.
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

impl Client {
    pub fn new(config: &str) -> Result<Client, Value> {
        let config = c(config);
        let mut error: *mut c_char = ptr::null_mut();
        // SAFETY: a NUL-terminated string and a writable `char *`.
        let client = unsafe { genauth_client_new(config.as_ptr(), &mut error) };
        if client.is_null() {
            Err(take(error))
        } else {
            assert!(error.is_null(), "*error_json is NULL on success");
            Ok(Client(client))
        }
    }

    pub fn ptr(&self) -> *const genauth_client {
        self.0
    }

    pub fn refresh(&self, refresh_token: &str) -> Timed {
        let token = c(refresh_token);
        // SAFETY: a live client and a NUL-terminated string.
        timed(|| unsafe { genauth_client_refresh(self.0, token.as_ptr()) })
    }

    pub fn exchange_code(&self, code: &str, verifier: Option<&str>) -> Timed {
        let (code, verifier) = (c(code), verifier.map(c));
        // SAFETY: as above.
        timed(|| unsafe { genauth_client_exchange_code(self.0, code.as_ptr(), opt_ptr(&verifier)) })
    }

    /// `genauth_client_refresh_async`, waited for (at most `wait`).
    pub fn refresh_async(&self, refresh_token: &str, wait: Duration) -> Timed {
        let token = c(refresh_token);
        let started = Instant::now();
        let (tx, rx) = mpsc::channel::<usize>();
        let user_data = Box::into_raw(Box::new(tx)).cast::<c_void>();
        // SAFETY: a live client, a NUL-terminated string, a callback that takes `user_data` back.
        let accepted = unsafe {
            genauth_client_refresh_async(self.0, token.as_ptr(), Some(deliver), user_data)
        };
        assert_eq!(accepted, 0, "the call was accepted");
        let result = rx
            .recv_timeout(wait)
            .expect("the callback ran within the wait") as *mut c_char;
        let elapsed = started.elapsed();
        Timed {
            doc: take(result),
            elapsed,
        }
    }
}

/// Any `_async` call, waited for (at most `wait`): `start` gets the callback and its user data
/// and returns what the C function returned (asserted to be 0, accepted).
pub fn call_async(
    start: impl FnOnce(genauth::ffi::client_async::genauth_callback, *mut c_void) -> i32,
    wait: Duration,
) -> Value {
    let (tx, rx) = mpsc::channel::<usize>();
    let user_data = Box::into_raw(Box::new(tx)).cast::<c_void>();
    assert_eq!(start(Some(deliver), user_data), 0, "the call was accepted");
    let result = rx
        .recv_timeout(wait)
        .expect("the callback ran within the wait") as *mut c_char;
    take(result)
}

/// The `genauth_callback` of `refresh_async`: hands the document's address to the waiting test.
unsafe extern "C" fn deliver(user_data: *mut c_void, result: *mut c_char) {
    // SAFETY: `user_data` is the boxed sender made by refresh_async, used once.
    let tx = unsafe { Box::from_raw(user_data.cast::<mpsc::Sender<usize>>()) };
    let _ = tx.send(result as usize);
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: from genauth_client_new, freed once.
        unsafe { genauth_client_free(self.0) };
    }
}
