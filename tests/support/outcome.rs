// Shared by several test crates; each uses only part of it.
#![allow(dead_code)]

//! A core call's outcome as a JSON value shaped like the C ABI's result document, so that tests
//! of the core read like tests of the documents (`doc["error"]["reason"]`).

use genauth::core::{Error, Tokens};
use serde_json::{json, Value};

pub fn outcome(result: Result<Tokens, Error>) -> Value {
    match result {
        Ok(tokens) => json!({"ok": true, "tokens": Value::Object(tokens.to_object())}),
        Err(e) => failure(&e),
    }
}

pub fn failure(e: &Error) -> Value {
    let mut doc = json!({"ok": false, "error": {"code": e.code(), "message": e.to_string()}});
    if let Some(status) = e.http_status() {
        doc["error"]["http_status"] = json!(status);
    }
    if let Some(error) = e.oauth_error() {
        doc["error"]["oauth_error"] = json!(error);
    }
    if let Some(description) = e.oauth_error_description() {
        doc["error"]["oauth_error_description"] = json!(description);
    }
    if let Some(reason) = e.reason() {
        doc["error"]["reason"] = json!(reason);
    }
    if let Some(rt) = e.refresh_token() {
        doc["refresh_token"] = json!(rt);
    }
    doc
}

/// `{"ok": true}` or the failure, for calls whose success carries no tokens.
pub fn done<T>(result: Result<T, Error>) -> Value {
    match result {
        Ok(_) => json!({"ok": true}),
        Err(e) => failure(&e),
    }
}
