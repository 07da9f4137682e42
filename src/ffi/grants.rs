//! More grants and URLs: client credentials, the logout URL, the device authorization grant.

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::boundary::{answer, answer_later, optional_str, read_args, required_str};
use super::client::{client_ref, genauth_client};
use super::client_async::genauth_callback;
use crate::core::{
    open_browser, Client, ClientCredentialsOptions, Error, LogoutOptions, LoopbackOptions,
};
use crate::runtime;

/// Gets tokens for the client itself with the `client_credentials` grant (machine to machine,
/// no user), authenticating the client like the other token calls.
///
/// `options_json` is NULL or `{"scope": "..."}`; other keys are `invalid_argument`. A public
/// client (`authMethod` `none`) is `invalid_config`: it has no credentials to present. Returns
/// `{"ok": true, "tokens": {...}}` (no id_token is expected; one that comes is verified) or an
/// error document, never NULL, owned by the caller (`genauth_string_free`). Blocks until the
/// reply or `timeoutMs`; `reentrant_call` inside a callback.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_credentials(
    client: *const genauth_client,
    options_json: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, options) = unsafe {
            client_and_options(client, options_json, ClientCredentialsOptions::from_json)
        }?;
        runtime::block_on(client.client_credentials(&options))
    })
}

/// Runs `genauth_client_credentials` without blocking; the result arrives through `cb`.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when the library could start no thread to run
/// the call and deliver its result. The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_credentials_async(
    client: *const genauth_client,
    options_json: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        client_and_options(client, options_json, ClientCredentialsOptions::from_json)
    });
    answer_later(cb, user_data, args, |(client, options)| async move {
        client.client_credentials(&options).await
    })
}

/// Builds the URL that signs the user out at the provider (OpenID Connect RP-Initiated Logout
/// 1.0): discovery's `end_session_endpoint`, else `{appHost}/{protocol}/session/end`, with
/// `client_id` and the options as query parameters.
///
/// `options_json` is NULL or `{"idTokenHint", "postLogoutRedirectUri", "state"}`, each optional
/// (the provider only redirects to a `postLogoutRedirectUri` registered for the client). Returns
/// `{"ok": true, "logout": {"url": "..."}}` or an error document, never NULL, owned by the caller
/// (`genauth_string_free`). Blocks while discovery is fetched (bounded by `timeoutMs`);
/// `reentrant_call` inside a callback.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_logout_url(
    client: *const genauth_client,
    options_json: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, options) =
            unsafe { client_and_options(client, options_json, LogoutOptions::from_json) }?;
        runtime::block_on(client.logout_url(&options))
    })
}

/// Builds the logout URL without blocking (see `genauth_client_logout_url`: the client's
/// discovery may be fetched first); the result arrives through `cb`: `{"ok": true, "logout":
/// {"url": "..."}}` or an error document.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when the library could start no thread to run
/// the call and deliver its result. The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_logout_url_async(
    client: *const genauth_client,
    options_json: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args =
        read_args(|| unsafe { client_and_options(client, options_json, LogoutOptions::from_json) });
    answer_later(cb, user_data, args, |(client, options)| async move {
        client.logout_url(&options).await
    })
}

/// Starts a device authorization (RFC 8628): asks discovery's `device_authorization_endpoint`
/// for a device code and a user code, authenticating the client like the token calls.
///
/// `options_json` is NULL or `{"scope": "..."}`. Returns `{"ok": true, "device": {"device_code",
/// "user_code", "verification_uri", "verification_uri_complete" (when the provider gave one),
/// "expires_in", "interval"}}` or an error document, never NULL, owned by the caller
/// (`genauth_string_free`). Show the user `user_code` and `verification_uri`, then call
/// `genauth_client_device_poll`. The client remembers the interval for that device code. Blocks
/// until the reply or `timeoutMs`; `reentrant_call` inside a callback.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_device_start(
    client: *const genauth_client,
    options_json: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, options) = unsafe {
            client_and_options(client, options_json, ClientCredentialsOptions::from_json)
        }?;
        runtime::block_on(client.device_start(&options))
    })
}

/// Starts a device authorization without blocking (see `genauth_client_device_start`); the
/// result arrives through `cb`: `{"ok": true, "device": {...}}` or an error document. Then call
/// `genauth_client_device_poll_async` (or `genauth_client_device_poll`) with its `device_code`.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when the library could start no thread to run
/// the call and deliver its result. The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_device_start_async(
    client: *const genauth_client,
    options_json: *const c_char,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        client_and_options(client, options_json, ClientCredentialsOptions::from_json)
    });
    answer_later(cb, user_data, args, |(client, options)| async move {
        client.device_start(&options).await
    })
}

/// Waits for the user to approve a device authorization started with
/// `genauth_client_device_start`, polling the token endpoint with the grant
/// `urn:ietf:params:oauth:grant-type:device_code`.
///
/// Polls at the `interval` the provider gave for `device_code` (5 s when it gave none or the
/// code was not started by this client), 5 s slower after each `slow_down`, each poll bounded by
/// `timeoutMs`. Returns the tokens document (an id_token is verified), the provider's refusal as
/// `oauth_error` (`access_denied`, `expired_token`), or `authorization_pending` when the next
/// poll would come after `max_wait_seconds`: the caller may call again. Never NULL; owned by the
/// caller (`genauth_string_free`). Blocks up to `max_wait_seconds` plus one poll;
/// `reentrant_call` inside a callback.
///
/// # Safety
/// `client` is NULL or a live client; `device_code` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_device_poll(
    client: *const genauth_client,
    device_code: *const c_char,
    max_wait_seconds: u32,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, device_code) = unsafe {
            (
                client_ref(client)?,
                Zeroizing::new(required_str(device_code, "device_code")?.to_owned()),
            )
        };
        let max_wait = Duration::from_secs(max_wait_seconds.into());
        runtime::block_on(client.device_poll(&device_code, max_wait))
    })
}

/// Waits for the user to approve a device authorization without blocking (see
/// `genauth_client_device_poll`: the same polling, the same results); the result arrives through
/// `cb`, up to `max_wait_seconds` plus one poll later: the tokens document, `oauth_error`
/// (`access_denied`, `expired_token`), or `authorization_pending` (the caller may call again).
/// No thread waits meanwhile.
///
/// Returns 0 when accepted (`cb` then runs exactly once, argument errors included), -1 and calls
/// nothing when `cb` is NULL, -2 and calls nothing when the library could start no thread to run
/// the call and deliver its result. The client may be freed while calls are in flight.
///
/// # Safety
/// `client` is NULL or a live client; `device_code` is NULL or NUL-terminated; `user_data` is
/// passed to `cb` untouched, from another thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_device_poll_async(
    client: *const genauth_client,
    device_code: *const c_char,
    max_wait_seconds: u32,
    cb: genauth_callback,
    user_data: *mut c_void,
) -> i32 {
    // SAFETY: caller's pointers per the contract; all are read before this function returns.
    let args = read_args(|| unsafe {
        let client = client_ref(client)?;
        let device_code = Zeroizing::new(required_str(device_code, "device_code")?.to_owned());
        Ok((client, device_code))
    });
    let max_wait = Duration::from_secs(max_wait_seconds.into());
    answer_later(
        cb,
        user_data,
        args,
        move |(client, device_code)| async move { client.device_poll(&device_code, max_wait).await },
    )
}

/// Receives the login URL of `genauth_client_login_loopback`: `user_data` as given, and the URL
/// (valid only during the call) to open in the user's browser. Runs on the calling thread,
/// inside the library: it must not make blocking `genauth_*` calls (`reentrant_call`).
#[allow(non_camel_case_types)] // the C name, as cbindgen emits it
pub type genauth_url_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, url: *const c_char)>;

/// Logs the user in from a desktop or command-line app (RFC 8252 §7.3): listens on 127.0.0.1,
/// sends the browser to the login page, receives its callback, and returns the tokens.
///
/// In order: binds 127.0.0.1 on `port` (0, the default: any free port); builds the authorize
/// URL (PKCE S256, state, nonce) with `redirect_uri` `http://127.0.0.1:PORT{path of
/// redirectUri}` (`/callback` without `redirectUri`; the provider must accept loopback redirect
/// URIs on any port); hands it to `on_url` (NULL: opens the system browser with xdg-open, open
/// or start, and `browser_failed` when none can be started); waits for one callback within
/// `timeoutSeconds` (default 300, then `login_timeout`); checks its state and `iss`, exchanges
/// the code with the verifier, verifies the id_token and its nonce; answers the browser with a
/// short page saying whether the sign-in worked (never a token).
///
/// `options_json` is NULL or `{"scope", "prompt", "extraParams", "port", "timeoutSeconds"}`.
/// Returns the tokens document or an error document (`state_mismatch`, `oauth_error` for an
/// `error=` callback, `invalid_argument` when the port cannot be bound, ...), never NULL, owned
/// by the caller (`genauth_string_free`). Blocks until then; `reentrant_call` inside a
/// callback.
///
/// There is no `_async` form: the call waits for a person at a browser (up to `timeoutSeconds`)
/// and `on_url` runs on the calling thread. From an event loop or a UI thread, run it on a thread
/// of the app's own (a worker thread, an executor, `asyncio.to_thread`, `Dispatchers.IO`) and
/// hand the result back to the loop; `on_url` then runs on that thread too, so it should only
/// pass the URL on (open the browser, post it to the UI) and return.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated; `on_url` is
/// NULL or a function safe to call on this thread with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_login_loopback(
    client: *const genauth_client,
    options_json: *const c_char,
    on_url: genauth_url_fn,
    user_data: *mut c_void,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, options) =
            unsafe { client_and_options(client, options_json, LoopbackOptions::from_json) }?;
        let hand_over = |url: &str| -> Result<(), Error> {
            match on_url {
                Some(function) => {
                    let text = std::ffi::CString::new(url)
                        .map_err(|_| Error::Internal("a URL with a NUL byte".into()))?;
                    // SAFETY: the caller's function and user_data, per the contract.
                    unsafe { function(user_data, text.as_ptr()) };
                    Ok(())
                }
                None => open_browser(url),
            }
        };
        runtime::block_on(client.login_loopback(&options, hand_over))
    })
}

/// The client and the parsed options document (NULL: the defaults) of a grant call, blocking or
/// not.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated.
unsafe fn client_and_options<T>(
    client: *const genauth_client,
    options_json: *const c_char,
    parse: impl FnOnce(Option<&str>) -> Result<T, Error>,
) -> Result<(Arc<Client>, T), Error> {
    // SAFETY: per the function's contract.
    let (client, options) = unsafe {
        (
            client_ref(client)?,
            optional_str(options_json, "options_json")?,
        )
    };
    Ok((client, parse(options)?))
}
