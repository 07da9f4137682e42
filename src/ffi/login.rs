//! The login: building the authorize URL and checking the callback.

use std::ffi::c_char;

use super::boundary::{answer, optional_str, required_str};
use crate::core::authorize::{build_authorize_url, AuthorizeOptions};
use crate::core::callback::{parse_callback, CallbackExpectations};
use crate::core::discovery::expected_issuer;
use crate::core::{Config, Error};
use crate::runtime;

use super::client::{client_ref, genauth_client};

/// Builds the URL that starts a login, with a fresh `state`, `nonce` and S256 PKCE pair from the
/// OS random source.
///
/// `options_json` may be NULL or `{"scope": "...", "prompt": "...", "extraParams": {"k": "v"}}`.
/// The default scope is "openid profile". `offline_access` in the scope adds `prompt=consent`
/// (GenAuth issues no refresh token without it); with prompt "none" that is `invalid_argument`,
/// and so is an `extraParams` key the library sets itself. `redirectUri` is required.
///
/// The URL is discovery's `authorization_endpoint` when this process already fetched discovery
/// for `appHost`, else `{appHost}/{protocol}/auth`. No network call is made.
///
/// Returns `{"ok": true, "authorize": {"url", "state", "nonce", "code_verifier"}}` or an error
/// document, never NULL, owned by the caller (`genauth_string_free`). Keep `state`, `nonce` and
/// `code_verifier` for the callback (`genauth_parse_callback`) and the exchange
/// (`genauth_client_exchange_code_with`).
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn genauth_build_authorize_url(
    config_json: *const c_char,
    options_json: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (config_json, options_json) = unsafe {
            (
                required_str(config_json, "config_json")?,
                optional_str(options_json, "options_json")?,
            )
        };
        let config = Config::from_json(config_json)?;
        let options = authorize_options(options_json)?;
        let endpoint = cached_metadata(&config).and_then(|m| m.authorization_endpoint.clone());
        build_authorize_url(&config, &options, endpoint.as_ref())
    })
}

/// Checks the full callback URL the browser landed on and returns its code.
///
/// The checks run in this order: the callback's scheme, host, port and path are `redirectUri`'s
/// (required in the config), `state` against `expected_state` (in constant time; a callback with
/// `error=` needs the login's state too), RFC 9207's `iss` against `{appHost}/oidc` when present
/// (required when this process already fetched discovery and it says the provider always sends
/// it), `error=`, then `code`. `genauth_client_parse_callback` makes the same checks with the
/// client's own discovery; prefer it.
///
/// Returns `{"ok": true, "callback": {"code", "state"}}` or an error document with the code
/// `state_mismatch`, `issuer_mismatch`, `oauth_error` (the callback's `error=`, without
/// `http_status`), `invalid_argument` (not the redirectUri, no code, a parameter given twice, not
/// a URL) or `invalid_config`. Never NULL; owned by the caller (`genauth_string_free`). No network
/// call is made.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn genauth_parse_callback(
    config_json: *const c_char,
    callback_url: *const c_char,
    expected_state: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (config_json, callback_url, expected_state) = unsafe {
            (
                required_str(config_json, "config_json")?,
                required_str(callback_url, "callback_url")?,
                required_str(expected_state, "expected_state")?,
            )
        };
        let config = Config::from_json(config_json)?;
        let issuer = expected_issuer(&config);
        let expected = CallbackExpectations {
            state: expected_state,
            issuer: &issuer,
            redirect_uri: config.redirect_uri.as_deref(),
            iss_required: cached_metadata(&config)
                .is_some_and(|m| m.authorization_response_iss_parameter_supported),
        };
        parse_callback(callback_url, &expected)
    })
}

/// The options of a login URL: NULL for the defaults.
pub(crate) fn authorize_options(json: Option<&str>) -> Result<AuthorizeOptions, Error> {
    json.map_or_else(
        || Ok(AuthorizeOptions::default()),
        AuthorizeOptions::from_json,
    )
}

fn cached_metadata(
    config: &Config,
) -> Option<std::sync::Arc<crate::core::discovery::ProviderMetadata>> {
    runtime::one_shot().provider_cache(config).cached_metadata()
}

/// Builds the URL that starts a login, at the authorization endpoint of the client's own
/// discovery document (fetched on first use, bounded by `timeoutMs`; GenAuth's documented
/// `{appHost}/{protocol}/auth` when discovery is unavailable or the protocol is `oauth`).
///
/// `options_json` is NULL or `{"scope", "prompt", "extraParams"}` as for
/// `genauth_build_authorize_url`, with the same rules. Returns `{"ok": true, "authorize": {"url",
/// "state", "nonce", "code_verifier"}}` or an error document (`issuer_mismatch` or
/// `invalid_response` when the discovery document does not belong to appHost), never NULL,
/// owned by the caller (`genauth_string_free`). Blocks while discovery is fetched;
/// `reentrant_call` inside a callback.
///
/// # Safety
/// `client` is NULL or a live client; `options_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_authorize_url(
    client: *const genauth_client,
    options_json: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, options_json) = unsafe {
            (
                client_ref(client)?,
                optional_str(options_json, "options_json")?,
            )
        };
        let options = authorize_options(options_json)?;
        runtime::block_on(client.authorize_url(&options))
    })
}

/// Checks the full callback URL the browser landed on against the client's `redirectUri`, the
/// login's `expected_state` and the client's provider, and returns its code.
///
/// In this order: the callback's scheme, host, port and path are `redirectUri`'s; `state` (in
/// constant time; an `error=` callback needs it too); RFC 9207's `iss` equals the discovered
/// issuer, and must be present when discovery says
/// `authorization_response_iss_parameter_supported`; `error=`; then `code`. Discovery is fetched
/// on first use, bounded by `timeoutMs`.
///
/// Returns `{"ok": true, "callback": {"code", "state"}}` or an error document (`state_mismatch`,
/// `issuer_mismatch`, `oauth_error` without `http_status`, `invalid_argument`,
/// `invalid_config` without `redirectUri`), never NULL, owned by the caller
/// (`genauth_string_free`). Blocks while discovery is fetched; `reentrant_call` inside a callback.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_parse_callback(
    client: *const genauth_client,
    callback_url: *const c_char,
    expected_state: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, callback_url, expected_state) = unsafe {
            (
                client_ref(client)?,
                required_str(callback_url, "callback_url")?,
                required_str(expected_state, "expected_state")?,
            )
        };
        runtime::block_on(client.parse_callback(callback_url, expected_state))
    })
}
