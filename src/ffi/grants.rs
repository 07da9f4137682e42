//! More grants and URLs: client credentials, the logout URL, the device authorization grant.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use zeroize::Zeroizing;

use super::boundary::{answer, answer_later, optional_str, read_args, required_str};
use super::client::{client_ref, genauth_client};
use super::client_async::genauth_callback;
use crate::core::{ClientCredentialsOptions, LogoutOptions};
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
            (
                client_ref(client)?,
                optional_str(options_json, "options_json")?,
            )
        };
        let options = ClientCredentialsOptions::from_json(options)?;
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
        let client = client_ref(client)?;
        let options =
            ClientCredentialsOptions::from_json(optional_str(options_json, "options_json")?)?;
        Ok((client, options))
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
        let (client, options) = unsafe {
            (
                client_ref(client)?,
                optional_str(options_json, "options_json")?,
            )
        };
        let options = LogoutOptions::from_json(options)?;
        runtime::block_on(client.logout_url(&options))
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
            (
                client_ref(client)?,
                optional_str(options_json, "options_json")?,
            )
        };
        let options = ClientCredentialsOptions::from_json(options)?;
        runtime::block_on(client.device_start(&options))
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
