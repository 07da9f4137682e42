//! Turning the token endpoint's reply (status and body bytes) into a token document or an error.

use serde_json::{Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

use super::error::Error;
use super::tokens::Tokens;

/// Replies larger than this are refused: a token document is a few kilobytes.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// Parses a token endpoint reply. `received_at` anchors `expires_at`.
pub fn parse_token_reply(
    status: u16,
    body: &[u8],
    received_at: SystemTime,
) -> Result<Tokens, Error> {
    let success = (200..300).contains(&status);
    if success {
        // The usual reply, read straight into `Tokens`; anything unusual takes the general path.
        if let Some(tokens) = direct::tokens(body) {
            return Ok(with_expiry(tokens, received_at));
        }
    }
    parse_token_reply_generally(status, body, received_at)
}

/// `parse_token_reply` through a `serde_json::Value` map: every reply, errors included.
pub fn parse_token_reply_generally(
    status: u16,
    body: &[u8],
    received_at: SystemTime,
) -> Result<Tokens, Error> {
    let object = parse_object(body);
    let success = (200..300).contains(&status);
    match object {
        Some(mut reply) if success && reply.get("access_token").is_some_and(is_token) => {
            rename_legacy_expiry(&mut reply);
            let tokens = Tokens::from_reply(reply).ok_or_else(|| Error::InvalidResponse {
                reason: "the JSON reply has no access_token".into(),
                http_status: Some(status),
            })?;
            Ok(with_expiry(tokens, received_at))
        }
        Some(obj) if obj.get("error").is_some_and(Value::is_string) => {
            Err(oauth_error(Some(status), &obj))
        }
        _ if (300..400).contains(&status) => Err(Error::HttpStatus {
            http_status: status,
        }),
        _ if !success => Err(Error::HttpStatus {
            http_status: status,
        }),
        Some(_) => Err(Error::InvalidResponse {
            reason: "the JSON reply has no access_token".into(),
            http_status: Some(status),
        }),
        None => Err(Error::InvalidResponse {
            reason: "the reply is not a JSON object".into(),
            http_status: Some(status),
        }),
    }
}

/// `expires_at` from the receipt time and the lifetime, when the provider gave one.
fn with_expiry(mut tokens: Tokens, received_at: SystemTime) -> Tokens {
    if let Some(seconds) = tokens.lifetime() {
        let now = received_at
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        tokens.expires_at = Some(now.saturating_add(seconds));
    }
    tokens
}

/// Parses a reply that must be a JSON object (introspection, userinfo): a non-2xx reply is the
/// provider's error object or a bare status.
pub fn parse_json_reply(status: u16, body: &[u8]) -> Result<Map<String, Value>, Error> {
    let object = parse_object(body);
    match object {
        Some(obj) if obj.get("error").is_some_and(Value::is_string) => {
            Err(oauth_error(Some(status), &obj))
        }
        _ if !(200..300).contains(&status) => Err(Error::HttpStatus {
            http_status: status,
        }),
        Some(obj) => Ok(obj),
        None => Err(Error::InvalidResponse {
            reason: "the reply is not a JSON object".into(),
            http_status: Some(status),
        }),
    }
}

/// Parses a JSON object; anything else (not JSON, invalid UTF-8, nesting past serde_json's
/// recursion limit) is `None`.
pub fn parse_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn is_token(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}

pub fn oauth_error(status: Option<u16>, obj: &Map<String, Value>) -> Error {
    // Kept whole here. Redaction (`Error::redact`) first cuts it to `PROVIDER_TEXT_KEPT`
    // characters, and it is cut to 512 only when shown, after redaction: cut first to 512, a
    // secret straddling the cut would survive in part.
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
    Error::OAuth {
        http_status: status,
        error: text("error").unwrap_or_default(),
        description: text("error_description"),
    }
}

/// `expire_in` (GenAuth's non-OIDC endpoints) becomes `expires_in`; `expires_at` is set from
/// the lifetime when it is known. Nothing is invented when it is not.
fn rename_legacy_expiry(reply: &mut Map<String, Value>) {
    if let Some(legacy) = reply.shift_remove("expire_in") {
        if !reply.contains_key("expires_in") {
            reply.insert("expires_in".into(), legacy);
        }
    }
}

mod direct;

#[cfg(test)]
mod tests;
