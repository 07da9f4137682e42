//! What the provider hands back, typed: the fields OAuth 2.0 and OpenID Connect define are
//! fields, and everything else the provider sent is kept in `extra`, so nothing is lost.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use zeroize::Zeroize;

/// A token reply (RFC 6749 §5.1).
#[derive(Clone, Default, PartialEq)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: Option<String>,
    /// Lifetime in seconds, as the provider said (GenAuth's legacy `expire_in` included).
    pub expires_in: Option<u64>,
    /// When the access token expires (Unix seconds): receipt time + `expires_in`.
    pub expires_at: Option<u64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: Option<String>,
    /// The verified claims of `id_token`; absent when it was not verified.
    pub id_token_claims: Option<IdTokenClaims>,
    /// Every other field of the reply, unchanged.
    pub extra: Map<String, Value>,
}

/// The claims of a verified id_token.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    /// One audience or several, as the token said.
    pub aud: Value,
    pub exp: Option<u64>,
    pub iat: Option<u64>,
    pub nonce: Option<String>,
    pub azp: Option<String>,
    /// Every other claim, unchanged.
    pub extra: Map<String, Value>,
}

/// An RFC 7662 introspection answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Introspection {
    pub active: bool,
    pub sub: Option<String>,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub exp: Option<u64>,
    /// Every other field, unchanged.
    pub extra: Map<String, Value>,
}

/// An OpenID Connect userinfo answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserInfo {
    pub sub: Option<String>,
    /// Every other claim, unchanged.
    pub extra: Map<String, Value>,
}

/// Takes `key` out of `map` when it has the expected type; otherwise leaves it where it is, in
/// what becomes `extra` (in the provider's order: the others are shifted, not swapped).
fn take<T>(
    map: &mut Map<String, Value>,
    key: &str,
    read: impl FnOnce(&mut Value) -> Option<T>,
) -> Option<T> {
    let value = read(map.get_mut(key)?)?;
    map.shift_remove(key);
    Some(value)
}

/// Moves a string out (tokens are kilobytes: not copied once more).
fn string(v: &mut Value) -> Option<String> {
    match v {
        Value::String(s) => Some(std::mem::take(s)),
        _ => None,
    }
}

fn seconds(v: &mut Value) -> Option<u64> {
    v.as_u64()
}

impl Tokens {
    /// Splits a provider's reply object. `id_token_claims` is this library's name for claims it
    /// verified: one that a provider sends is dropped, never passed on as if verified.
    pub fn from_reply(map: Map<String, Value>) -> Option<Tokens> {
        Tokens::split(map, false)
    }

    /// Splits a token document this library made (e.g. one an app stored and gives back to a
    /// session), `id_token_claims` included; `None` without a non-empty `access_token`.
    pub fn from_object(map: Map<String, Value>) -> Option<Tokens> {
        Tokens::split(map, true)
    }

    /// One pass over the members, each moved where it belongs (no lookups, no copies: this
    /// runs on every token reply). A known member of an unexpected type stays in `extra`.
    fn split(map: Map<String, Value>, keep_claims: bool) -> Option<Tokens> {
        let mut tokens = Tokens::default();
        for (key, value) in map {
            match (key.as_str(), value) {
                ("id_token_claims", _) if !keep_claims => {}
                ("id_token_claims", Value::Object(claims)) => {
                    match IdTokenClaims::from_object(claims.clone()) {
                        Some(verified) => tokens.id_token_claims = Some(verified),
                        None => {
                            tokens.extra.insert(key, Value::Object(claims));
                        }
                    }
                }
                (_, value) => {
                    if let Some(value) = tokens.place(&key, value) {
                        tokens.extra.insert(key, value);
                    }
                }
            }
        }
        (!tokens.access_token.is_empty()).then_some(tokens)
    }

    /// Puts a member of a token reply in its typed field: strings, `expires_in`/`expires_at` as
    /// non-negative integers, `access_token` only when not empty. Hands the value back when
    /// `key` is not a typed field or the value is not of its type (it then belongs in `extra`).
    pub(crate) fn place(&mut self, key: &str, value: Value) -> Option<Value> {
        fn text(field: &mut Option<String>, value: Value) -> Option<Value> {
            match value {
                Value::String(s) => {
                    *field = Some(s);
                    None
                }
                other => Some(other),
            }
        }
        fn number(field: &mut Option<u64>, value: Value) -> Option<Value> {
            match value.as_u64() {
                Some(n) => {
                    *field = Some(n);
                    None
                }
                None => Some(value),
            }
        }
        match key {
            "access_token" => match value {
                Value::String(s) if !s.is_empty() => {
                    self.access_token = s;
                    None
                }
                other => Some(other),
            },
            "token_type" => text(&mut self.token_type, value),
            "refresh_token" => text(&mut self.refresh_token, value),
            "id_token" => text(&mut self.id_token, value),
            "scope" => text(&mut self.scope, value),
            "expires_in" => number(&mut self.expires_in, value),
            "expires_at" => number(&mut self.expires_at, value),
            _ => Some(value),
        }
    }

    /// The tokens as one JSON object: the known fields (those present), then `extra`, then
    /// `expires_at` and `id_token_claims` — the `tokens` of a result document (which is written
    /// straight from the `Serialize` impl, in the same order), and what a session is seeded with.
    pub fn to_object(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => unreachable!("tokens serialise to an object"),
        }
    }

    /// The lifetime the provider gave, in whatever form (a number, a numeric string).
    pub fn lifetime(&self) -> Option<u64> {
        self.expires_in
            .or_else(|| match self.extra.get("expires_in")? {
                Value::Number(n) => n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
    }

    /// The `sub` of the verified id_token these tokens came with.
    pub fn subject(&self) -> Option<&str> {
        self.id_token_claims.as_ref().map(|c| c.sub.as_str())
    }
}

// Tokens are secrets: only their presence is shown.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| s.as_ref().map(|_| "[redacted]");
        f.debug_struct("Tokens")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &shown(&self.refresh_token))
            .field("id_token", &shown(&self.id_token))
            .field("scope", &self.scope)
            .field("id_token_claims", &self.id_token_claims)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

// Tokens are wiped from memory when dropped; what is handed out (documents, clones) is the
// holder's to wipe, and serde_json's parse buffers are not reachable.
impl Drop for Tokens {
    fn drop(&mut self) {
        self.access_token.zeroize();
        for s in [&mut self.refresh_token, &mut self.id_token]
            .into_iter()
            .flatten()
        {
            s.zeroize();
        }
        wipe(std::mem::take(&mut self.extra));
    }
}

/// Zeroes every string of a JSON object (keys are not secrets, values may be), without
/// recursion: it may be nested as deep as its parser allowed.
fn wipe(map: Map<String, Value>) {
    let mut pending: Vec<Value> = vec![Value::Object(map)];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(mut s) => s.zeroize(),
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// A member of the tokens object, borrowed (see `Tokens::visit`).
pub enum Field<'a> {
    Str(&'a str),
    Number(u64),
    Json(&'a Value),
    Claims(&'a IdTokenClaims),
}

impl Tokens {
    /// Calls `f` with each member of the tokens object, in order: the known fields (those
    /// present), then `extra`, then `expires_at` and `id_token_claims`. A typed field takes the
    /// place of an `extra` member of the same name, as inserting into an ordered map would, so
    /// no key is repeated. The one definition of the object, for `Serialize` and for writers
    /// of documents.
    pub fn visit<E>(&self, mut f: impl FnMut(&str, Field<'_>) -> Result<(), E>) -> Result<(), E> {
        f("access_token", Field::Str(&self.access_token))?;
        if let Some(v) = &self.token_type {
            f("token_type", Field::Str(v))?;
        }
        if let Some(v) = self.expires_in {
            f("expires_in", Field::Number(v))?;
        }
        if let Some(v) = &self.refresh_token {
            f("refresh_token", Field::Str(v))?;
        }
        if let Some(v) = &self.id_token {
            f("id_token", Field::Str(v))?;
        }
        if let Some(v) = &self.scope {
            f("scope", Field::Str(v))?;
        }
        let (mut at_written, mut claims_written) = (false, false);
        for (k, v) in &self.extra {
            match (k.as_str(), self.expires_at, &self.id_token_claims) {
                ("expires_at", Some(at), _) => {
                    f(k, Field::Number(at))?;
                    at_written = true;
                }
                ("id_token_claims", _, Some(claims)) => {
                    f(k, Field::Claims(claims))?;
                    claims_written = true;
                }
                _ => f(k, Field::Json(v))?,
            }
        }
        if let (Some(at), false) = (self.expires_at, at_written) {
            f("expires_at", Field::Number(at))?;
        }
        if let (Some(claims), false) = (&self.id_token_claims, claims_written) {
            f("id_token_claims", Field::Claims(claims))?;
        }
        Ok(())
    }
}

impl Serialize for Tokens {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.visit(|key, field| match field {
            Field::Str(v) => map.serialize_entry(key, v),
            Field::Number(v) => map.serialize_entry(key, &v),
            Field::Json(v) => map.serialize_entry(key, v),
            Field::Claims(v) => map.serialize_entry(key, v),
        })?;
        map.end()
    }
}

impl Serialize for IdTokenClaims {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("iss", &self.iss)?;
        map.serialize_entry("sub", &self.sub)?;
        if !self.aud.is_null() {
            map.serialize_entry("aud", &self.aud)?;
        }
        if let Some(v) = &self.exp {
            map.serialize_entry("exp", v)?;
        }
        if let Some(v) = &self.iat {
            map.serialize_entry("iat", v)?;
        }
        if let Some(v) = &self.nonce {
            map.serialize_entry("nonce", v)?;
        }
        if let Some(v) = &self.azp {
            map.serialize_entry("azp", v)?;
        }
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl IdTokenClaims {
    /// The claims as one JSON object (in the order the `Serialize` impl writes them).
    pub fn to_object(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => unreachable!("claims serialise to an object"),
        }
    }

    /// Splits a claims object that has a string `iss` and `sub`.
    pub fn from_object(mut map: Map<String, Value>) -> Option<IdTokenClaims> {
        let iss = take(&mut map, "iss", string)?;
        let sub = take(&mut map, "sub", string)?;
        Some(IdTokenClaims {
            iss,
            sub,
            aud: map.shift_remove("aud").unwrap_or(Value::Null),
            exp: take(&mut map, "exp", seconds),
            iat: take(&mut map, "iat", seconds),
            nonce: take(&mut map, "nonce", string),
            azp: take(&mut map, "azp", string),
            extra: map,
        })
    }
}

impl Introspection {
    /// The answer as one JSON object.
    pub fn to_object(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(5 + self.extra.len());
        map.insert("active".into(), Value::from(self.active));
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                map.insert(key.into(), v);
            }
        };
        put("sub", self.sub.as_deref().map(Value::from));
        put("client_id", self.client_id.as_deref().map(Value::from));
        put("scope", self.scope.as_deref().map(Value::from));
        put("exp", self.exp.map(Value::from));
        for (k, v) in &self.extra {
            map.insert(k.clone(), v.clone());
        }
        map
    }

    /// Splits an introspection answer; `None` without a boolean `active`.
    pub fn from_object(mut map: Map<String, Value>) -> Option<Introspection> {
        let active = take(&mut map, "active", |v| v.as_bool())?;
        Some(Introspection {
            active,
            sub: take(&mut map, "sub", string),
            client_id: take(&mut map, "client_id", string),
            scope: take(&mut map, "scope", string),
            exp: take(&mut map, "exp", seconds),
            extra: map,
        })
    }
}

impl UserInfo {
    /// The answer as one JSON object.
    pub fn to_object(&self) -> Map<String, Value> {
        let mut map = Map::with_capacity(1 + self.extra.len());
        if let Some(sub) = &self.sub {
            map.insert("sub".into(), Value::from(sub.as_str()));
        }
        for (k, v) in &self.extra {
            map.insert(k.clone(), v.clone());
        }
        map
    }

    pub fn from_object(mut map: Map<String, Value>) -> UserInfo {
        UserInfo {
            sub: take(&mut map, "sub", string),
            extra: map,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn known_fields_are_typed_and_the_rest_is_kept() {
        let t = Tokens::from_object(object(json!({"access_token": "at", "token_type": "Bearer",
            "expires_in": 60, "refresh_token": "rt", "scope": "openid", "x-tenant": "t1",
            "id_token_claims": {"iss": "i", "sub": "u", "aud": "a", "exp": 5, "email": "e"}})))
        .unwrap();
        assert_eq!(t.access_token, "at");
        assert_eq!(t.expires_in, Some(60));
        assert_eq!(t.extra, object(json!({"x-tenant": "t1"})));
        let claims = t.id_token_claims.as_ref().unwrap();
        assert_eq!((claims.sub.as_str(), claims.exp), ("u", Some(5)));
        assert_eq!(claims.extra, object(json!({"email": "e"})));
        assert_eq!(t.subject(), Some("u"));
        // And back, nothing lost.
        let again = Tokens::from_object(t.to_object()).unwrap();
        assert!(again == t);
    }

    #[test]
    fn fields_of_an_unexpected_type_stay_in_extra() {
        let t = Tokens::from_object(object(json!({"access_token": "at", "expires_in": "3600",
            "scope": ["a"]})))
        .unwrap();
        assert_eq!(t.expires_in, None);
        assert_eq!(t.lifetime(), Some(3600));
        assert_eq!(
            t.extra,
            object(json!({"expires_in": "3600", "scope": ["a"]}))
        );
        assert!(Tokens::from_object(object(json!({"access_token": ""}))).is_none());
        assert!(Tokens::from_object(object(json!({"token_type": "Bearer"}))).is_none());
    }

    #[test]
    fn a_provider_cannot_send_verified_claims() {
        let t = Tokens::from_reply(object(json!({"access_token": "at",
            "id_token_claims": {"iss": "i", "sub": "admin"}})))
        .unwrap();
        assert!(t.id_token_claims.is_none());
        assert!(t.extra.is_empty());
    }

    #[test]
    fn debug_shows_no_token() {
        let t = Tokens::from_object(object(json!({"access_token": "at-secret-1",
            "refresh_token": "rt-secret-2", "id_token": "it-secret-3"})))
        .unwrap();
        let shown = format!("{t:?} {t:#?}");
        for secret in ["at-secret-1", "rt-secret-2", "it-secret-3"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
