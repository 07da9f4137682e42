//! One-shot calls: a config document in, a result document out.

use std::ffi::c_char;

use super::boundary::{answer, optional_str, required_str};
use crate::core::{Client, Config, Error, ExchangeOptions};
use crate::runtime;

/// Exchanges an authorization code for tokens (the `authorization_code` grant).
///
/// `config_json` is a config document (see the README's table: appId, appSecret, appHost,
/// redirectUri, ...). `code` is the `code` parameter of the login callback. `code_verifier` is
/// the PKCE verifier of that login, or NULL when the login did not use PKCE.
///
/// Returns a result document, never NULL: `{"ok": true, "tokens": {...}}` or
/// `{"ok": false, "error": {"code": ..., "message": ...}}`. The caller owns it and releases it
/// with `genauth_string_free`. The arguments stay owned by the caller; nothing is kept.
///
/// Blocks the calling thread until the reply arrives or `timeoutMs` passes, doing the I/O on
/// that thread. Safe to call from any thread, concurrently; each thread keeps its keep-alive
/// connections per `caCertPem` and `proxy` setting between calls.
/// Called from inside a `genauth_callback` it returns the error `reentrant_call`.
/// A code is single-use: this function never retries.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn genauth_exchange_code(
    config_json: *const c_char,
    code: *const c_char,
    code_verifier: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: the caller's NUL-terminated strings (or NULL), per the contract.
        let (config_json, code, code_verifier) = unsafe {
            (
                required_str(config_json, "config_json")?,
                required_str(code, "code")?,
                optional_str(code_verifier, "code_verifier")?,
            )
        };
        let client = shared_pool_client(config_json)?;
        let options = ExchangeOptions {
            code_verifier: code_verifier.map(|v| v.to_owned().into()),
            nonce: None,
        };
        runtime::block_on(client.exchange_code(code, &options))
    })
}

/// Exchanges a refresh token for fresh tokens (the `refresh_token` grant).
///
/// `config_json` is a config document; `refresh_token` the token from an earlier result.
/// Returns a result document, never NULL, owned by the caller (release it with
/// `genauth_string_free`). The provider may return a new `refresh_token` (rotation): store the
/// one in the result and use it next time.
///
/// Blocks like `genauth_exchange_code`, with the same threading rules.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string valid for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn genauth_refresh(
    config_json: *const c_char,
    refresh_token: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: the caller's NUL-terminated strings (or NULL), per the contract.
        let (config_json, refresh_token) = unsafe {
            (
                required_str(config_json, "config_json")?,
                required_str(refresh_token, "refresh_token")?,
            )
        };
        let client = shared_pool_client(config_json)?;
        runtime::block_on(client.refresh(refresh_token))
    })
}

/// A client for one call, over the pools of its TLS and proxy settings and the provider cache of
/// its host, so one-shot callers still reuse connections, discovery and keys.
fn shared_pool_client(config_json: &str) -> Result<Client, Error> {
    let config = Config::from_json(config_json)?;
    let one_shot = runtime::one_shot();
    let connections = one_shot.connections(config.ca_cert_pem.as_deref(), &config.proxy)?;
    let provider = one_shot.provider_cache(&config);
    Ok(Client::with_shared(config, connections, provider))
}
