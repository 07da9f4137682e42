//! The result documents every exported function returns: `{"ok": true, ...}` or
//! `{"ok": false, "error": {...}}`, built from the core's typed values.

use std::ffi::CString;

use serde_json::{json, Map, Value};

use crate::core::authorize::AuthorizeRequest;
use crate::core::callback::Callback;
use crate::core::tokens::Field;
use crate::core::{DeviceAuthorization, Error, Introspection, LogoutUrl, Tokens, UserInfo};

/// A result document, serialised: what a C caller receives (plus a NUL).
pub(crate) struct Document(Vec<u8>);

impl Document {
    pub(crate) fn from_value(value: &Value) -> Document {
        // serde_json escapes U+0000, so a serialised document never holds an interior NUL.
        Document(serde_json::to_vec(value).unwrap_or_else(|_| {
            br#"{"ok":false,"error":{"code":"internal","message":"unrepresentable result"}}"#
                .to_vec()
        }))
    }

    /// The JSON text, NUL-terminated.
    pub(crate) fn into_c_string(self) -> CString {
        let mut bytes = self.0;
        debug_assert!(!bytes.contains(&0));
        bytes.push(0);
        // SAFETY: the only NUL is the one just pushed: every document is serde_json's output
        // (which escapes U+0000) or `write_str`'s (which copies only strings without control
        // characters), around constant text.
        unsafe { CString::from_vec_with_nul_unchecked(bytes) }
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap()
    }
}

/// `{"ok": true, "<key>": value}`.
pub(crate) fn success(key: &str, value: Value) -> Value {
    let mut doc = Map::with_capacity(2);
    doc.insert("ok".into(), Value::Bool(true));
    doc.insert(key.into(), value);
    Value::Object(doc)
}

/// A failure after the provider accepted a grant carries the refresh token it sent, beside the
/// error, so the caller can store it.
pub(crate) fn failure(error: &Error) -> Document {
    Document::from_value(&failure_value(error))
}

fn failure_value(error: &Error) -> Value {
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
pub(crate) fn result<T: Member>(result: Result<T, Error>) -> Document {
    match result {
        Ok(value) => value.into_serialised(),
        Err(e) => failure(&e),
    }
}

/// A value a success document carries, and under which key.
pub(crate) trait Member: Sized {
    fn into_document(self) -> Value;

    fn into_serialised(self) -> Document {
        Document::from_value(&self.into_document())
    }
}

impl Member for Tokens {
    fn into_document(self) -> Value {
        success("tokens", Value::Object(self.to_object()))
    }

    /// Written straight from the typed value: the tokens are the one document on the hot path
    /// (every refresh), and a `Value` in between would copy each token once more.
    fn into_serialised(self) -> Document {
        let mut out = Vec::with_capacity(
            320 + self.access_token.len()
                + self.refresh_token.as_ref().map_or(0, String::len)
                + self.id_token.as_ref().map_or(0, String::len),
        );
        out.extend_from_slice(br#"{"ok":true,"tokens":{"#);
        let written = self.visit(|key, field| {
            if out.last() != Some(&b'{') {
                out.push(b',');
            }
            write_str(&mut out, key)?;
            out.push(b':');
            match field {
                Field::Str(v) => write_str(&mut out, v),
                Field::Number(v) => serde_json::to_writer(&mut out, &v),
                Field::Json(v) => serde_json::to_writer(&mut out, v),
                Field::Claims(v) => serde_json::to_writer(&mut out, v),
            }
        });
        if written.is_err() {
            return Document::from_value(&self.into_document());
        }
        out.extend_from_slice(b"}}");
        Document(out)
    }
}

/// A JSON string. Tokens (base64url and dots) never need escaping: those are copied as they
/// are, after one scan that the compiler vectorises; anything else goes through serde_json.
fn write_str(out: &mut Vec<u8>, s: &str) -> serde_json::Result<()> {
    let plain = s.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if !plain {
        return serde_json::to_writer(out, s);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::IdTokenClaims;

    fn tokens(reply: Value) -> Tokens {
        let Value::Object(map) = reply else {
            unreachable!()
        };
        Tokens::from_reply(map).unwrap()
    }

    fn claims() -> Option<IdTokenClaims> {
        let Value::Object(map) =
            json!({"iss": "https://x/oidc", "sub": "u-1", "aud": "app-1", "exp": 9, "k": [1]})
        else {
            unreachable!()
        };
        IdTokenClaims::from_object(map)
    }

    /// The tokens document is written straight from the typed value: known fields first, then
    /// the provider's others, then what the library adds; a typed field takes the place of a
    /// provider member of the same name instead of repeating the key.
    #[test]
    fn tokens_are_written_in_order_without_repeated_keys() {
        let mut t = tokens(json!({"access_token": "at\u{0}\"é", "token_type": "Bearer",
            "expires_in": 600, "refresh_token": "rt", "id_token": "a.b.c", "scope": "openid",
            "z": {"n": null}}));
        t.expires_at = Some(1_700_000_600);
        t.id_token_claims = claims();
        assert_eq!(
            t.into_serialised().text(),
            r#"{"ok":true,"tokens":{"access_token":"at\u0000\"é","token_type":"Bearer","expires_in":600,"refresh_token":"rt","id_token":"a.b.c","scope":"openid","z":{"n":null},"expires_at":1700000600,"id_token_claims":{"iss":"https://x/oidc","sub":"u-1","aud":"app-1","exp":9,"k":[1]}}}"#
        );
        let mut t = tokens(
            json!({"access_token": "at", "expires_at": "soon", "token_type": 7,
            "id_token_claims": {"iss": "forged", "sub": "x"}}),
        );
        t.expires_at = Some(1_700_000_000);
        t.id_token_claims = claims();
        assert_eq!(
            t.into_serialised().text(),
            r#"{"ok":true,"tokens":{"access_token":"at","expires_at":1700000000,"token_type":7,"id_token_claims":{"iss":"https://x/oidc","sub":"u-1","aud":"app-1","exp":9,"k":[1]}}}"#
        );
    }

    /// What a session stores (`to_object`) is what the caller received.
    #[test]
    fn the_written_document_is_the_generic_one() {
        for reply in [
            json!({"access_token": "at", "expires_at": "soon", "expires_in": "600"}),
            json!({"access_token": "at", "refresh_token": "rt", "x": [1, {"y": 2}]}),
        ] {
            for (at, with_claims) in [(None, false), (Some(1_700_000_000), true)] {
                let mut t = tokens(reply.clone());
                t.expires_at = at;
                if with_claims {
                    t.id_token_claims = claims();
                }
                let direct = t.clone().into_serialised();
                let generic = Document::from_value(&t.into_document());
                assert_eq!(direct.text(), generic.text());
            }
        }
    }
}
