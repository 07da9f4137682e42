//! The result documents every call returns: `{"ok": true, ...}` or `{"ok": false, "error": ...}`.

use serde_json::{json, Map, Value};

use super::error::Error;

/// Built by hand: `json!` would serialise the token map into a deep copy.
pub fn success_tokens(tokens: Map<String, Value>) -> Value {
    let mut doc = Map::with_capacity(2);
    doc.insert("ok".into(), Value::Bool(true));
    doc.insert("tokens".into(), Value::Object(tokens));
    Value::Object(doc)
}

/// A failure after the provider accepted a grant carries the refresh token it sent, beside the
/// error, so the caller can store it.
pub fn failure(error: &Error) -> Value {
    match error.refresh_token() {
        Some(rt) => json!({"ok": false, "error": error.to_json(), "refresh_token": rt}),
        None => json!({"ok": false, "error": error.to_json()}),
    }
}

pub fn tokens_result(result: Result<Map<String, Value>, Error>) -> Value {
    match result {
        Ok(tokens) => success_tokens(tokens),
        Err(e) => failure(&e),
    }
}

/// `{"ok": true, "<key>": value}` or the failure document; `None` as value gives `{"ok": true}`.
pub fn result_with(key: &str, result: Result<Option<Value>, Error>) -> Value {
    match result {
        Ok(Some(value)) => {
            let mut doc = Map::new();
            doc.insert("ok".into(), Value::Bool(true));
            doc.insert(key.into(), value);
            Value::Object(doc)
        }
        Ok(None) => json!({"ok": true}),
        Err(e) => failure(&e),
    }
}
