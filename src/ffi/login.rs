//! The login: building the authorize URL and checking the callback.

use std::ffi::c_char;

use super::boundary::{guard, optional_str, required_str};
use crate::core::authorize::{build_authorize_url, AuthorizeOptions};
use crate::core::callback::parse_callback;
use crate::core::{document, Config, Error};
use crate::runtime;

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
    guard(|| {
        document::result_with(
            "authorize",
            (|| {
                // SAFETY: caller's pointers per the contract.
                let (config_json, options_json) = unsafe {
                    (
                        required_str(config_json, "config_json")?,
                        optional_str(options_json, "options_json")?,
                    )
                };
                let config = Config::from_json(config_json)?;
                let options = match options_json {
                    Some(json) => AuthorizeOptions::from_json(json)?,
                    None => AuthorizeOptions::default(),
                };
                let endpoint =
                    cached_metadata(&config).and_then(|m| m.authorization_endpoint.clone());
                let request = build_authorize_url(&config, &options, endpoint.as_ref())?;
                Ok::<_, Error>(Some(request.to_json()))
            })(),
        )
    })
}

/// Checks the full callback URL the browser landed on and returns its code.
///
/// The checks run in this order: `state` against `expected_state` (in constant time; a callback
/// with `error=` and no state is reported as that error), RFC 9207's `iss` when present (against
/// discovery's issuer when known, else `{appHost}/oidc`), `error=`, then `code`.
///
/// Returns `{"ok": true, "callback": {"code", "state"}}` or an error document with the code
/// `state_mismatch`, `issuer_mismatch`, `oauth_error` (the callback's `error=`, without
/// `http_status`) or `invalid_argument` (no code, a parameter given twice, not a URL). Never
/// NULL; owned by the caller (`genauth_string_free`). No network call is made.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn genauth_parse_callback(
    config_json: *const c_char,
    callback_url: *const c_char,
    expected_state: *const c_char,
) -> *mut c_char {
    guard(|| {
        document::result_with(
            "callback",
            (|| {
                // SAFETY: caller's pointers per the contract.
                let (config_json, callback_url, expected_state) = unsafe {
                    (
                        required_str(config_json, "config_json")?,
                        required_str(callback_url, "callback_url")?,
                        required_str(expected_state, "expected_state")?,
                    )
                };
                let config = Config::from_json(config_json)?;
                let issuer = cached_metadata(&config)
                    .map(|m| m.issuer.clone())
                    .unwrap_or_else(|| {
                        format!("{}/oidc", config.app_host.as_str().trim_end_matches('/'))
                    });
                let callback = parse_callback(callback_url, expected_state, &issuer)?;
                Ok::<_, Error>(Some(callback.to_json()))
            })(),
        )
    })
}

fn cached_metadata(
    config: &Config,
) -> Option<std::sync::Arc<crate::core::discovery::ProviderMetadata>> {
    runtime::shared()
        .ok()?
        .provider_cache(config)
        .cached_metadata()
}
