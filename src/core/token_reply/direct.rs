//! A successful token reply read straight into `Tokens`: the known members go to their fields
//! without a `serde_json::Value` map in between (no key allocated or hashed, nothing looked up or
//! moved twice). It gives exactly what the general path gives, or `None` and the general path
//! runs: for anything unusual — not an object, no non-empty `access_token`, a known member twice.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::core::tokens::Tokens;

pub(super) fn tokens(body: &[u8]) -> Option<Tokens> {
    serde_json::from_slice::<Direct>(body).ok()?.0
}

struct Direct(Option<Tokens>);

/// The members this path knows, by bit.
#[derive(Clone, Copy)]
enum Known {
    AccessToken = 0,
    TokenType,
    ExpiresIn,
    ExpiresAt,
    RefreshToken,
    IdToken,
    Scope,
    /// This library's name for claims it verified: a provider's is dropped.
    IdTokenClaims,
    /// GenAuth's legacy name of `expires_in`.
    ExpireIn,
}

enum Key {
    Known(Known),
    Other(String),
}

impl Key {
    fn of(name: &str) -> Key {
        Key::Known(match name {
            "access_token" => Known::AccessToken,
            "token_type" => Known::TokenType,
            "expires_in" => Known::ExpiresIn,
            "expires_at" => Known::ExpiresAt,
            "refresh_token" => Known::RefreshToken,
            "id_token" => Known::IdToken,
            "scope" => Known::Scope,
            "id_token_claims" => Known::IdTokenClaims,
            "expire_in" => Known::ExpireIn,
            _ => return Key::Other(name.to_owned()),
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(Key::of(name))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Direct {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Direct, D::Error> {
        deserializer.deserialize_map(DirectVisitor)
    }
}

struct DirectVisitor;

impl<'de> Visitor<'de> for DirectVisitor {
    type Value = Direct;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a token reply object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Direct, A::Error> {
        let mut tokens = Tokens::default();
        let mut seen = 0u16;
        let mut repeated = false;
        let mut legacy_expiry = None;
        while let Some(key) = map.next_key::<Key>()? {
            let known = match key {
                Key::Other(name) => {
                    // An unknown member repeated replaces the first in place, as in a map.
                    tokens.extra.insert(name, map.next_value::<Value>()?);
                    continue;
                }
                Key::Known(known) => known,
            };
            let bit = 1u16 << known as u16;
            if seen & bit != 0 {
                repeated = true;
            }
            seen |= bit;
            if repeated || matches!(known, Known::IdTokenClaims) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value::<Value>()?;
            if matches!(known, Known::ExpireIn) {
                legacy_expiry = Some(value);
                continue;
            }
            if let Some(value) = tokens.place(name_of(known), value) {
                // A known member of another type stays with the provider's others.
                tokens.extra.insert(name_of(known).to_owned(), value);
            }
        }
        if repeated || tokens.access_token.is_empty() {
            return Ok(Direct(None));
        }
        // The legacy name counts only without `expires_in`, and then comes last, as renamed.
        if let (Some(value), false) = (legacy_expiry, seen & (1 << Known::ExpiresIn as u16) != 0) {
            if let Some(value) = tokens.place("expires_in", value) {
                tokens.extra.insert("expires_in".to_owned(), value);
            }
        }
        Ok(Direct(Some(tokens)))
    }
}

fn name_of(known: Known) -> &'static str {
    match known {
        Known::AccessToken => "access_token",
        Known::TokenType => "token_type",
        Known::ExpiresIn => "expires_in",
        Known::ExpiresAt => "expires_at",
        Known::RefreshToken => "refresh_token",
        Known::IdToken => "id_token",
        Known::Scope => "scope",
        Known::IdTokenClaims => "id_token_claims",
        Known::ExpireIn => "expire_in",
    }
}
