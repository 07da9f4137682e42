//! `genauth_session`: always-fresh tokens, one refresh at a time.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::boundary::{answer, answer_later, construct, read_args, release, required_str};
use super::client::{genauth_client, process_client_ref, ProcessClient};
use super::client_async::genauth_callback;
use super::document::tokens_from_document;
use crate::core::session::Session;
use crate::core::Error;
use crate::runtime;

/// Holds one token document and hands out tokens that are still valid, refreshing when needed.
///
/// Create it with `genauth_session_new` and release it with `genauth_session_free`. Every session
/// function is safe to call from many threads at once; concurrent callers of
/// `genauth_session_fresh_tokens` share one refresh.
///
/// Methods: `genauth_session_fresh_tokens`, `genauth_session_tokens`, `genauth_session_free`.
#[allow(non_camel_case_types)] // the C name, as cbindgen emits it
pub struct genauth_session {
    // Shared so that a non-blocking refresh in flight keeps it alive.
    inner: Arc<Session>,
    /// The client's per-process view: a session used in a forked child refreshes through the
    /// child's own copy of the client.
    client: Arc<ProcessClient>,
}

/// Creates a session from a client and a token document.
///
/// `tokens_json` is a token document (`{"access_token": ..., "refresh_token": ...,
/// "expires_at": ...}`) or a whole success document (`{"ok": true, "tokens": ...}`), e.g. the
/// result of an exchange or what `genauth_session_tokens` returned before. Freshness comes from
/// `expires_at`, else from `expires_in` counted from now; a token with neither counts as fresh.
///
/// On success returns the session and, when `error_json` is not NULL, sets `*error_json` to NULL;
/// on failure returns NULL and sets `*error_json` (when not NULL) to an error document released
/// with `genauth_string_free`. The session keeps what it needs of the client: the client may be
/// freed first. Release the session with `genauth_session_free`.
///
/// # Safety
/// `client` is NULL or a live client; `tokens_json` is NULL or NUL-terminated; `error_json` is
/// NULL or points to a writable `char *`.
#[no_mangle]
pub unsafe extern "C" fn genauth_session_new(
    client: *const genauth_client,
    tokens_json: *const c_char,
    error_json: *mut *mut c_char,
) -> *mut genauth_session {
    // SAFETY: the caller's pointers per the contract.
    unsafe {
        construct(error_json, || {
            let client = process_client_ref(client)?;
            let tokens = tokens_from_document(required_str(tokens_json, "tokens_json")?)?;
            Ok(genauth_session {
                inner: Arc::new(Session::new(tokens)),
                client,
            })
        })
    }
}

/// Returns tokens with more than `min_valid_seconds` of life left (60 is a good margin),
/// refreshing first when the held ones have less.
///
/// One refresh at a time: callers that arrive while a refresh runs wait for it and share its
/// result, error included. A stale session without a refresh token gives `no_refresh_token`.
/// Once the provider has rejected the refresh token (`invalid_grant`), every later call returns
/// that error without calling the provider: the user must sign in again. When the provider's
/// tokens live less than `min_valid_seconds`, each call refreshes once and returns what it got.
///
/// Returns `{"ok": true, "tokens": {...}}` or an error document, never NULL, owned by the caller
/// (`genauth_string_free`). Blocks while a refresh runs; `reentrant_call` inside a callback.
///
/// # Safety
/// `session` is NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn genauth_session_fresh_tokens(
    session: *mut genauth_session,
    min_valid_seconds: u32,
) -> *mut c_char {
    answer(|| {
        // SAFETY: per the contract; only shared access is needed.
        let session = unsafe { session.as_ref() }.ok_or(Error::NullArgument("session"))?;
        let client = session.client.current()?;
        runtime::block_on(session.inner.fresh_tokens(&client, min_valid_seconds))
    })
}

/// Returns fresh tokens without blocking, as `genauth_session_fresh_tokens` does; the result
/// arrives through `cb`: `{"ok": true, "tokens": {...}}` or an error document.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when no thread could be started to run it.
/// The session may be freed while the call is in flight: it completes.
///
/// # Safety
/// `session` is NULL or a live session; `user_data` is passed to `cb` untouched, from another
/// thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_session_fresh_tokens_async(
    session: *mut genauth_session,
    min_valid_seconds: u32,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    let args = read_args(|| {
        // SAFETY: per the contract; only shared access is needed.
        let session = unsafe { session.as_ref() }.ok_or(Error::NullArgument("session"))?;
        Ok((session.inner.clone(), session.client.current()?))
    });
    answer_later(cb, user_data, args, move |(session, client)| async move {
        session.fresh_tokens(&client, min_valid_seconds).await
    })
}

/// The session's current token document as `{"ok": true, "tokens": {...}}`, for the app to
/// persist (a refresh may have replaced the refresh token). Never NULL, never blocks on the
/// network; owned by the caller (`genauth_string_free`).
///
/// # Safety
/// `session` is NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn genauth_session_tokens(session: *const genauth_session) -> *mut c_char {
    // SAFETY: per the contract.
    answer(|| unsafe { session_ref(session) }?.tokens())
}

/// Releases a session. NULL is a no-op. Not to be called while another thread is still inside a
/// function of this session.
///
/// # Safety
/// `session` is NULL or a pointer from `genauth_session_new`, released once.
#[no_mangle]
pub unsafe extern "C" fn genauth_session_free(session: *mut genauth_session) {
    // SAFETY: the pointer came from genauth_session_new and is released once, per the contract.
    unsafe { release(session) }
}

/// # Safety
/// `session` is NULL or a live pointer from `genauth_session_new`.
unsafe fn session_ref<'a>(session: *const genauth_session) -> Result<&'a Session, Error> {
    // SAFETY: per the function's contract.
    unsafe { session.as_ref() }
        .map(|s| &*s.inner)
        .ok_or(Error::NullArgument("session"))
}
