//! Non-blocking client calls for threads that must not wait (mobile UI threads, event loops).

use std::ffi::{c_char, c_void};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use zeroize::Zeroizing;

use super::boundary::{
    answer_later, into_c_string, optional_str, panic_document, read_args, required_str,
};
use super::client::{client_ref, genauth_client};
use super::document::{self, Document, Revoked};
use super::login::authorize_options;
use crate::core::{Error, ExchangeOptions};
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
/// when `cb` is NULL. Returns -2, and calls nothing, when the library could start no thread to
/// run the call and deliver its result (the process is at its thread or memory limit); the call
/// may be retried later. The client may be freed while calls are in flight: they complete, and
/// their callbacks run, as if it had not been.
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
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let code = Zeroizing::new(required_str(code, "code")?.to_owned());
        let options = match optional_str(options_json, "options_json")? {
            Some(json) => ExchangeOptions::from_json(json)?,
            None => ExchangeOptions::default(),
        };
        Ok((client, code, options))
    });
    answer_later(cb, user_data, args, |(client, code, options)| async move {
        client.exchange_code(&code, &options).await
    })
}

/// Starts a refresh without blocking; the result arrives through `cb`.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when the library could start no thread to run
/// the call and deliver its result (the process is at its thread or memory limit). The client
/// may be freed while calls are in flight.
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
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let token = Zeroizing::new(required_str(refresh_token, "refresh_token")?.to_owned());
        Ok((client, token))
    });
    answer_later(cb, user_data, args, |(client, token)| async move {
        client.refresh(&token).await
    })
}

/// Revokes a token without blocking (see `genauth_client_revoke`); the result arrives through
/// `cb`: `{"ok": true}` or an error document.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when no thread could be started to run it.
/// The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_revoke_async(
    client: *const genauth_client,
    token: *const c_char,
    token_type_hint: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let token = Zeroizing::new(required_str(token, "token")?.to_owned());
        let hint = optional_str(token_type_hint, "token_type_hint")?.map(str::to_owned);
        Ok((client, token, hint))
    });
    answer_later(cb, user_data, args, |(client, token, hint)| async move {
        client
            .revoke(&token, hint.as_deref())
            .await
            .map(|()| Revoked)
    })
}

/// Introspects a token without blocking (see `genauth_client_introspect`); the result arrives
/// through `cb`: `{"ok": true, "introspection": {...}}` or an error document.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when no thread could be started to run it.
/// The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `token` is NULL or NUL-terminated; `user_data` is passed to
/// `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_introspect_async(
    client: *const genauth_client,
    token: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let token = Zeroizing::new(required_str(token, "token")?.to_owned());
        Ok((client, token))
    });
    answer_later(cb, user_data, args, |(client, token)| async move {
        client.introspect(&token).await
    })
}

/// Fetches userinfo without blocking (see `genauth_client_userinfo`); the result arrives through
/// `cb`: `{"ok": true, "userinfo": {...}}` or an error document.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when no thread could be started to run it.
/// The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `access_token` is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_userinfo_async(
    client: *const genauth_client,
    access_token: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let token = Zeroizing::new(required_str(access_token, "access_token")?.to_owned());
        Ok((client, token))
    });
    answer_later(cb, user_data, args, |(client, token)| async move {
        client.userinfo(&token).await
    })
}

/// Builds a login URL without blocking (see `genauth_client_authorize_url`: the client's
/// discovery may be fetched first); the result arrives through `cb`: `{"ok": true, "authorize":
/// {"url", "state", "nonce", "code_verifier"}}` or an error document.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when no thread could be started to run it.
/// The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_authorize_url_async(
    client: *const genauth_client,
    options_json: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let options = authorize_options(optional_str(options_json, "options_json")?)?;
        Ok((client, options))
    });
    answer_later(cb, user_data, args, |(client, options)| async move {
        client.authorize_url(&options).await
    })
}

/// Checks a login callback without blocking (see `genauth_client_parse_callback`: the client's
/// discovery may be fetched first); the result arrives through `cb`: `{"ok": true, "callback":
/// {"code", "state"}}` or an error document.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when no thread could be started to run it.
/// The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_parse_callback_async(
    client: *const genauth_client,
    callback_url: *const c_char,
    expected_state: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let url = required_str(callback_url, "callback_url")?.to_owned();
        let state = required_str(expected_state, "expected_state")?.to_owned();
        Ok((client, url, state))
    });
    answer_later(cb, user_data, args, |(client, url, state)| async move {
        client.parse_callback(&url, &state).await
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
    fn deliver(self, result: Document) {
        let text = into_c_string(result);
        // SAFETY: the caller gave a valid function pointer; the document is now the callback's.
        unsafe { (self.cb)(self.user_data, text) };
    }
}

/// Runs `work` on the runtime and hands its result document to `cb` exactly once. The callback
/// runs on the blocking pool, so a slow callback cannot stall the workers that drive sockets, and
/// a panic in `work` still produces a document. Returns 0, -1 (no callback) or -2 (no thread
/// could be started: nothing runs, the callback is never called). No panic leaves it: starting
/// the runtime is guarded (tokio panics when the OS refuses its threads; `runtime::shared` turns
/// that into an error, and any other panic is caught here), and spawning a task on a running
/// runtime starts no thread.
pub(crate) fn submit(
    cb: genauth_callback,
    user_data: *mut c_void,
    work: impl Future<Output = Document> + Send + 'static,
) -> i32 {
    let Some(cb) = cb else {
        return -1;
    };
    let delivery = Delivery { cb, user_data };
    let shared = catch_unwind(runtime::shared).unwrap_or_else(|_| {
        Err(Error::Internal(
            "could not start the runtime threads".into(),
        ))
    });
    match shared {
        Ok(shared) => {
            shared.runtime().spawn(async move {
                let result = tokio::spawn(work)
                    .await
                    .unwrap_or_else(|_| panic_document());
                drop(tokio::task::spawn_blocking(move || {
                    delivery.deliver(result)
                }));
            });
            0
        }
        // No runtime: still exactly one callback, still not on the caller's thread, if the OS
        // gives us a thread at all.
        Err(e) => deliver_on_new_thread(delivery, document::failure(&e), spawn_named),
    }
}

/// Something that starts a thread running a job, or says why it could not.
type Spawner = fn(Box<dyn FnOnce() + Send>) -> std::io::Result<()>;

/// Hands `result` to the callback on a thread of its own, started by `spawn`: 0, or -2 when no
/// thread could be started (the callback is then never called, and is dropped uncalled).
fn deliver_on_new_thread(delivery: Delivery, result: Document, spawn: Spawner) -> i32 {
    let job = Box::new(move || delivery.deliver(result));
    // A panic while starting the thread (std reports failures as errors, but this is the C
    // boundary) counts as a failure: the job was not started.
    match catch_unwind(AssertUnwindSafe(|| spawn(job))) {
        Ok(Ok(())) => 0,
        Ok(Err(_)) | Err(_) => -2,
    }
}

/// `std::thread::spawn` without its panic when the OS refuses a thread.
fn spawn_named(job: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("genauth-callback".into())
        .spawn(job)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::sync::mpsc;

    unsafe extern "C" fn record(user_data: *mut c_void, result: *mut c_char) {
        // SAFETY: `user_data` is the boxed sender of the test, used once.
        let tx = unsafe { Box::from_raw(user_data.cast::<mpsc::Sender<String>>()) };
        // SAFETY: a library string, read here and released once below.
        let text = unsafe { CStr::from_ptr(result) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: as above.
        unsafe { crate::ffi::strings::genauth_string_free(result) };
        let _ = tx.send(text);
    }

    fn delivery() -> (Delivery, mpsc::Receiver<String>) {
        let (tx, rx) = mpsc::channel();
        let user_data = Box::into_raw(Box::new(tx)).cast::<c_void>();
        (
            Delivery {
                cb: record,
                user_data,
            },
            rx,
        )
    }

    fn doc() -> Document {
        document::failure(&Error::Internal(
            "could not start the runtime threads".into(),
        ))
    }

    #[test]
    fn delivers_on_a_new_thread() {
        let (delivery, rx) = delivery();
        assert_eq!(deliver_on_new_thread(delivery, doc(), spawn_named), 0);
        let text = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        assert!(text.contains("\"internal\""), "{text}");
    }

    #[test]
    fn no_thread_is_minus_two_and_no_callback() {
        fn refuse(_: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
            Err(std::io::Error::from(std::io::ErrorKind::WouldBlock))
        }
        fn panic(_: Box<dyn FnOnce() + Send>) -> std::io::Result<()> {
            panic!("failed to spawn thread")
        }
        for spawn in [refuse as Spawner, panic] {
            let (delivery, rx) = delivery();
            let user_data = delivery.user_data;
            assert_eq!(deliver_on_new_thread(delivery, doc(), spawn), -2);
            // The job, and with it the callback, was dropped uncalled.
            assert_eq!(
                rx.recv_timeout(std::time::Duration::from_millis(100)),
                Err(mpsc::RecvTimeoutError::Timeout)
            );
            // SAFETY: the callback never ran, so the sender is still ours.
            drop(unsafe { Box::from_raw(user_data.cast::<mpsc::Sender<String>>()) });
        }
    }
}
