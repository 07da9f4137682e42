//! Always-fresh tokens (AppAuth's `performActionWithFreshTokens`): a session holds one token
//! document and refreshes it when too little life is left — one refresh at a time, however many
//! threads ask. With rotating refresh tokens a second, concurrent use of the same refresh token
//! makes the provider revoke the whole grant, so single-flight is correctness, not thrift.

use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::{Zeroize, Zeroizing};

use super::client::{Client, Tokens};
use super::error::Error;

/// The client is given to each call rather than kept: a forked child must refresh through a
/// client of its own process, not the connections of the one that made the session.
pub struct Session {
    state: Mutex<State>,
    /// Held for the whole refresh; waiters queue here.
    flight: tokio::sync::Mutex<()>,
    /// Counts finished refreshes, so a waiter can tell that one completed while it waited.
    refreshes: AtomicU64,
}

struct State {
    tokens: Tokens,
    expires_at: Option<u64>,
    /// The outcome of the last refresh when it failed, shared with the callers that waited on it.
    last_error: Option<Error>,
    /// Set when the provider rejected the refresh token: asking again cannot succeed.
    dead: Option<Error>,
}

// The held tokens are wiped from memory when the session is dropped (what `tokens` and
// `fresh_tokens` hand out are the caller's copies, and so are serde_json's parse buffers).
impl Drop for State {
    fn drop(&mut self) {
        wipe(std::mem::take(&mut self.tokens));
    }
}

/// Zeroes every string of a token document (keys are not secrets, values may be), without
/// recursion: the document may be nested as deep as its parser allowed.
fn wipe(tokens: Tokens) {
    let mut pending: Vec<Value> = vec![Value::Object(tokens)];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(mut s) => s.zeroize(),
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn expires_at(tokens: &Tokens, seeded_at: u64) -> Option<u64> {
    let number = |k: &str| tokens.get(k).and_then(Value::as_u64);
    number("expires_at").or_else(|| number("expires_in").map(|s| seeded_at.saturating_add(s)))
}

impl Session {
    /// Seeds a session with a token document or a whole result document (`{"ok": true,
    /// "tokens": ...}`). It must hold an `access_token`.
    pub fn new(tokens_json: &str) -> Result<Session, Error> {
        let invalid = |m: &str| Error::InvalidArgument(format!("tokens: {m}"));
        let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(tokens_json) else {
            return Err(invalid("not a JSON object"));
        };
        if doc.get("ok").is_some() {
            doc = match doc.remove("tokens") {
                Some(Value::Object(t)) if doc.get("ok") == Some(&Value::Bool(true)) => t,
                _ => return Err(invalid("a result document must be a success with `tokens`")),
            };
        }
        if doc
            .get("access_token")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(invalid("no access_token"));
        }
        let expires_at = expires_at(&doc, now());
        Ok(Session {
            state: Mutex::new(State {
                tokens: doc,
                expires_at,
                last_error: None,
                dead: None,
            }),
            flight: tokio::sync::Mutex::new(()),
            refreshes: AtomicU64::new(0),
        })
    }

    /// The current token document, to persist.
    pub fn tokens(&self) -> Tokens {
        self.lock().tokens.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The held tokens while they have more than `min_valid_seconds` of life, else fresh ones.
    /// `client` is the one that refreshes, when a refresh is due.
    pub async fn fresh_tokens(
        &self,
        client: &Client,
        min_valid_seconds: u32,
    ) -> Result<Tokens, Error> {
        let seen = self.refreshes.load(Ordering::Acquire);
        if let Some(answer) = self.answer_without_refresh(min_valid_seconds, false) {
            return answer;
        }
        let _flight = self.flight.lock().await;
        let someone_refreshed = self.refreshes.load(Ordering::Acquire) != seen;
        if let Some(answer) = self.answer_without_refresh(min_valid_seconds, someone_refreshed) {
            return answer;
        }
        let refresh_token = self
            .lock()
            .tokens
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(|t| Zeroizing::new(t.to_owned()))
            .ok_or(Error::NoRefreshToken)?;
        let result = client.refresh(&refresh_token).await;
        let mut state = self.lock();
        let outcome = match result {
            Ok(mut fresh) => {
                // RFC 6749 §6: a reply without a refresh token leaves the old one valid.
                if !fresh.contains_key("refresh_token") {
                    fresh.insert(
                        "refresh_token".into(),
                        Value::String(refresh_token.as_str().to_owned()),
                    );
                }
                state.expires_at = expires_at(&fresh, now());
                wipe(std::mem::replace(&mut state.tokens, fresh.clone()));
                state.last_error = None;
                Ok(fresh)
            }
            Err(e) => {
                if matches!(&e, Error::OAuth { error, .. } if error == "invalid_grant") {
                    state.dead = Some(e.clone());
                }
                state.last_error = Some(e.clone());
                Err(e)
            }
        };
        self.refreshes.fetch_add(1, Ordering::Release);
        outcome
    }

    /// Answers from the held state when no refresh is due: fresh tokens, a dead grant, or (for a
    /// caller that waited while another refreshed) that refresh's outcome.
    fn answer_without_refresh(
        &self,
        min_valid_seconds: u32,
        after_a_refresh: bool,
    ) -> Option<Result<Tokens, Error>> {
        let state = self.lock();
        if let Some(e) = &state.dead {
            return Some(Err(e.clone()));
        }
        if after_a_refresh {
            return Some(match &state.last_error {
                Some(e) => Err(e.clone()),
                None => Ok(state.tokens.clone()),
            });
        }
        let fresh = match state.expires_at {
            None => true,
            Some(at) => at > now().saturating_add(u64::from(min_valid_seconds)),
        };
        fresh.then(|| Ok(state.tokens.clone()))
    }
}
