//! Always-fresh tokens (AppAuth's `performActionWithFreshTokens`): a session holds one token
//! document and refreshes it when too little life is left — one refresh at a time, however many
//! threads ask. With rotating refresh tokens a second, concurrent use of the same refresh token
//! makes the provider revoke the whole grant, so single-flight is correctness, not thrift.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

use super::client::Client;
use super::error::Error;
use super::tokens::Tokens;
use crate::per_process::PerProcess;

/// How long `tokens()`, which has no client and so no `timeoutMs`, waits for the state lock.
const TOKENS_LOCK_LIMIT: Duration = Duration::from_secs(5);

/// The client is given to each call rather than kept: a forked child must refresh through a
/// client of its own process, not the connections of the one that made the session.
pub struct Session {
    /// Held only for reads and writes of memory, never across a wait; waits for it are bounded
    /// all the same, since a fork can copy it locked.
    state: Mutex<State>,
    /// Held for the whole refresh; waiters queue here. One per process: a child forked during a
    /// refresh would otherwise wait forever for a refresh that runs only in its parent.
    flight: PerProcess<tokio::sync::Mutex<()>>,
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

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn expires_at(tokens: &Tokens, seeded_at: u64) -> Option<u64> {
    tokens
        .expires_at
        .or_else(|| tokens.expires_in.map(|s| seeded_at.saturating_add(s)))
}

impl Session {
    /// Seeds a session with tokens, e.g. those of an exchange, or what `tokens` returned
    /// before. The held tokens are wiped from memory when the session is dropped.
    pub fn new(tokens: Tokens) -> Session {
        let expires_at = expires_at(&tokens, now());
        Session {
            state: Mutex::new(State {
                tokens,
                expires_at,
                last_error: None,
                dead: None,
            }),
            flight: PerProcess::new(),
            refreshes: AtomicU64::new(0),
        }
    }

    /// The current token document, to persist.
    pub fn tokens(&self) -> Result<Tokens, Error> {
        Ok(self.lock(TOKENS_LOCK_LIMIT)?.tokens.clone())
    }

    fn lock(&self, limit: Duration) -> Result<MutexGuard<'_, State>, Error> {
        lock_within(&self.state, limit)
    }

    /// The held tokens while they have more than `min_valid_seconds` of life, else fresh ones.
    /// `client` is the one that refreshes, when a refresh is due; every wait, for the refresh
    /// another caller runs included, is bounded by its `timeoutMs`.
    pub async fn fresh_tokens(
        &self,
        client: &Client,
        min_valid_seconds: u32,
    ) -> Result<Tokens, Error> {
        let limit = client.config().timeout;
        let seen = self.refreshes.load(Ordering::Acquire);
        if let Some(answer) = self.answer_without_refresh(min_valid_seconds, false, limit)? {
            return answer;
        }
        let flight = self.flight.get_or_init(tokio::sync::Mutex::default);
        let _flight = tokio::time::timeout(limit, flight.lock())
            .await
            .map_err(|_| Error::Timeout {
                timeout_ms: client.config().timeout_ms(),
            })?;
        let someone_refreshed = self.refreshes.load(Ordering::Acquire) != seen;
        if let Some(answer) =
            self.answer_without_refresh(min_valid_seconds, someone_refreshed, limit)?
        {
            return answer;
        }
        let (refresh_token, subject) = {
            let state = self.lock(limit)?;
            let copy = |s: Option<&str>| s.map(|t| Zeroizing::new(t.to_owned()));
            (
                copy(state.tokens.refresh_token.as_deref()).ok_or(Error::NoRefreshToken)?,
                // The user these tokens belong to: a refresh must not switch to another one.
                copy(state.tokens.subject()),
            )
        };
        let result = client
            .refresh_for(&refresh_token, subject.as_ref().map(|s| s.as_str()))
            .await;
        let mut state = self.lock(limit)?;
        let outcome = match result {
            Ok(mut fresh) => {
                // RFC 6749 §6: a reply without a refresh token leaves the old one valid.
                if fresh.refresh_token.is_none() {
                    fresh.refresh_token = Some(refresh_token.as_str().to_owned());
                }
                state.expires_at = expires_at(&fresh, now());
                state.tokens = fresh.clone();
                state.last_error = None;
                Ok(fresh)
            }
            Err(e) => {
                if let Some(rotated) = e.refresh_token() {
                    // The provider accepted the grant and may have rotated the refresh token:
                    // the old one may be dead, and sending it again could revoke the grant.
                    state.tokens.refresh_token = Some(rotated.to_owned());
                }
                if matches!(e.cause(), Error::OAuth { error, .. } if error == "invalid_grant") {
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
        limit: Duration,
    ) -> Result<Option<Result<Tokens, Error>>, Error> {
        let state = self.lock(limit)?;
        if let Some(e) = &state.dead {
            return Ok(Some(Err(e.clone())));
        }
        if after_a_refresh {
            return Ok(Some(match &state.last_error {
                Some(e) => Err(e.clone()),
                None => Ok(state.tokens.clone()),
            }));
        }
        let fresh = match state.expires_at {
            None => true,
            Some(at) => at > now().saturating_add(u64::from(min_valid_seconds)),
        };
        Ok(fresh.then(|| Ok(state.tokens.clone())))
    }
}

/// Locks `mutex` within `limit`, else `timeout`. Its holders never wait while holding it, so it
/// is free within microseconds; only a lock copied locked by `fork()` stays taken, and then a
/// bounded wait is the difference between an error and a hung process.
fn lock_within<T>(mutex: &Mutex<T>, limit: Duration) -> Result<MutexGuard<'_, T>, Error> {
    let deadline = Instant::now() + limit;
    let mut spins = 0u32;
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Ok(guard),
            Err(TryLockError::Poisoned(p)) => return Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                spins += 1;
                if spins < 64 {
                    std::thread::yield_now();
                } else {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Timeout {
                    timeout_ms: limit.as_millis() as u64,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_that_is_never_released_is_a_timeout_not_a_hang() {
        let mutex = Mutex::new(1);
        let held = mutex.lock().unwrap();
        let started = Instant::now();
        let e = lock_within(&mutex, Duration::from_millis(50)).unwrap_err();
        assert_eq!(e.code(), "timeout");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(held);
        assert_eq!(*lock_within(&mutex, Duration::from_millis(50)).unwrap(), 1);
    }
}
