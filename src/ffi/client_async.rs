//! Non-blocking client calls for threads that must not wait (mobile UI threads, event loops).

use std::ffi::{c_char, c_void};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::Value;
use zeroize::Zeroizing;

use super::boundary::{into_c_string, optional_str, panic_document, required_str};
use super::client::{client_ref, genauth_client};
use crate::core::{document, Error, ExchangeOptions, Tokens};
use crate::runtime;

/// Receives the result of an `_async` call: `user_data` as given, and a result document that the
/// callback owns and must release with `genauth_string_free`.
///
/// Runs exactly once per accepted call, on a library thread (never the caller's), with no
/// library lock held. It may call the `_async` functions again; a blocking `genauth_*` call made
/// from it returns the error `reentrant_call`. Long work belongs on the app's own threads.
#[allow(non_camel_case_types)] // the C name, as cbindgen emits it
pub type genauth_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, result_json: *mut c_char)>;

/// Starts a code exchange without blocking; the result arrives through `cb`.
///
/// `options_json` is NULL or `{"codeVerifier": "...", "nonce": "..."}` as for
/// `genauth_client_exchange_code_with`. The arguments are copied before this returns.
///
/// Returns 0 when the call was accepted: `cb` then runs exactly once, with a result document,
/// argument errors (NULL client, invalid UTF-8, ...) included. Returns -1, and calls nothing,
/// when `cb` is NULL. The client may be freed while calls are in flight: they complete, and their
/// callbacks run, as if it had not been.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_exchange_code_async(
    client: *const genauth_client,
    code: *const c_char,
    options_json: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let call = catch_unwind(AssertUnwindSafe(|| unsafe {
        let client = client_ref(client)?;
        let code = Zeroizing::new(required_str(code, "code")?.to_owned());
        let options = match optional_str(options_json, "options_json")? {
            Some(json) => ExchangeOptions::from_json(json)?,
            None => ExchangeOptions::default(),
        };
        Ok::<_, Error>((client, code, options))
    }));
    submit(cb, user_data, async move {
        let (client, code, options) = flatten(call)?;
        client.exchange_code(&code, &options).await
    })
}

/// Starts a refresh without blocking; the result arrives through `cb`.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL. The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `refresh_token` is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_refresh_async(
    client: *const genauth_client,
    refresh_token: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let call = catch_unwind(AssertUnwindSafe(|| unsafe {
        let client = client_ref(client)?;
        let token = Zeroizing::new(required_str(refresh_token, "refresh_token")?.to_owned());
        Ok::<_, Error>((client, token))
    }));
    submit(cb, user_data, async move {
        let (client, token) = flatten(call)?;
        client.refresh(&token).await
    })
}

fn flatten<T>(call: std::thread::Result<Result<T, Error>>) -> Result<T, Error> {
    call.unwrap_or_else(|_| {
        Err(Error::Internal(
            "a panic was caught at the library boundary".into(),
        ))
    })
}

/// The callback and its user data, moved to the thread that delivers the result.
struct Delivery {
    cb: unsafe extern "C" fn(*mut c_void, *mut c_char),
    user_data: *mut c_void,
}

// SAFETY: the contract hands `user_data` to a library thread; the pointer is only passed back.
unsafe impl Send for Delivery {}

impl Delivery {
    fn deliver(self, result: Value) {
        let text = into_c_string(&result);
        // SAFETY: the caller gave a valid function pointer; the document is now the callback's.
        unsafe { (self.cb)(self.user_data, text) };
    }
}

/// Runs `work` on the runtime and hands its result document to `cb` exactly once. The callback
/// runs on the blocking pool, so a slow callback cannot stall the workers that drive sockets, and
/// a panic in `work` still produces a document.
fn submit(
    cb: genauth_callback,
    user_data: *mut c_void,
    work: impl Future<Output = Result<Tokens, Error>> + Send + 'static,
) -> i32 {
    let Some(cb) = cb else {
        return -1;
    };
    let delivery = Delivery { cb, user_data };
    match runtime::shared() {
        Ok(shared) => {
            shared.runtime().spawn(async move {
                let result = match tokio::spawn(work).await {
                    Ok(result) => document::tokens_result(result),
                    Err(_) => panic_document(),
                };
                drop(tokio::task::spawn_blocking(move || {
                    delivery.deliver(result)
                }));
            });
        }
        Err(e) => {
            // No runtime: still exactly one callback, still not on the caller's thread.
            std::thread::spawn(move || delivery.deliver(document::failure(&e)));
        }
    }
    0
}
