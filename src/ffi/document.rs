//! The result documents every exported function returns: `{"ok": true, ...}` or
//! `{"ok": false, "error": {...}}`, built from the core's typed values.

use serde_json::{json, Map, Value};

use crate::core::authorize::AuthorizeRequest;
use crate::core::callback::Callback;
use crate::core::{DeviceAuthorization, Error, Introspection, LogoutUrl, Tokens, UserInfo};

/// `{"ok": true, "<key>": value}`.
pub(crate) fn success(key: &str, value: Value) -> Value {
    let mut doc = Map::with_capacity(2);
    doc.insert("ok".into(), Value::Bool(true));
    doc.insert(key.into(), value);
    Value::Object(doc)
}

/// A failure after the provider accepted a grant carries the refresh token it sent, beside the
/// error, so the caller can store it.
pub(crate) fn failure(error: &Error) -> Value {
    match error.refresh_token() {
        Some(rt) => json!({"ok": false, "error": error_object(error), "refresh_token": rt}),
        None => json!({"ok": false, "error": error_object(error)}),
    }
}

/// The `error` object of a failure document.
pub(crate) fn error_object(error: &Error) -> Value {
    let mut object = Map::new();
    object.insert("code".into(), json!(error.code()));
    object.insert("message".into(), json!(error.to_string()));
    if let Some(status) = error.http_status() {
        object.insert("http_status".into(), json!(status));
    }
    if let Some(oauth_error) = error.oauth_error() {
        object.insert("oauth_error".into(), json!(oauth_error));
        if let Some(d) = error.oauth_error_description() {
            object.insert("oauth_error_description".into(), json!(d));
        }
    }
    if let Some(reason) = error.reason() {
        object.insert("reason".into(), json!(reason));
    }
    Value::Object(object)
}

/// The document of a call's result: its `key` member on success.
pub(crate) fn result<T: Member>(result: Result<T, Error>) -> Value {
    match result {
        Ok(value) => value.into_document(),
        Err(e) => failure(&e),
    }
}

/// A value a success document carries, and under which key.
pub(crate) trait Member {
    fn into_document(self) -> Value;
}

impl Member for Tokens {
    fn into_document(self) -> Value {
        success("tokens", Value::Object(self.to_object()))
    }
}

impl Member for AuthorizeRequest {
    fn into_document(self) -> Value {
        success(
            "authorize",
            json!({"url": self.url.as_str(), "state": self.state, "nonce": self.nonce,
                   "code_verifier": self.code_verifier.as_str()}),
        )
    }
}

impl Member for Callback {
    fn into_document(self) -> Value {
        success(
            "callback",
            json!({"code": self.code.as_str(), "state": self.state}),
        )
    }
}

impl Member for Introspection {
    fn into_document(self) -> Value {
        success("introspection", Value::Object(self.to_object()))
    }
}

impl Member for UserInfo {
    fn into_document(self) -> Value {
        success("userinfo", Value::Object(self.to_object()))
    }
}

impl Member for LogoutUrl {
    fn into_document(self) -> Value {
        success("logout", json!({"url": self.url.as_str()}))
    }
}

impl Member for DeviceAuthorization {
    fn into_document(self) -> Value {
        let mut device = Map::with_capacity(6);
        device.insert("device_code".into(), json!(self.device_code));
        device.insert("user_code".into(), json!(self.user_code));
        device.insert("verification_uri".into(), json!(self.verification_uri));
        if let Some(complete) = self.verification_uri_complete {
            device.insert("verification_uri_complete".into(), json!(complete));
        }
        device.insert("expires_in".into(), json!(self.expires_in));
        device.insert("interval".into(), json!(self.interval));
        success("device", Value::Object(device))
    }
}

/// A revocation: `{"ok": true}`.
pub(crate) struct Revoked;

impl Member for Revoked {
    fn into_document(self) -> Value {
        json!({"ok": true})
    }
}

/// Reads a token document an app stored (`{"access_token": ...}`) or a whole success document
/// (`{"ok": true, "tokens": ...}`), e.g. to seed a session.
pub(crate) fn tokens_from_document(text: &str) -> Result<Tokens, Error> {
    let invalid = |m: &str| Error::InvalidArgument(format!("tokens: {m}"));
    let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid("not a JSON object"));
    };
    if doc.get("ok").is_some() {
        doc = match doc.remove("tokens") {
            Some(Value::Object(t)) if doc.get("ok") == Some(&Value::Bool(true)) => t,
            _ => return Err(invalid("a result document must be a success with `tokens`")),
        };
    }
    Tokens::from_object(doc).ok_or_else(|| invalid("no access_token"))
}
