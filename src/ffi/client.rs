//! `genauth_client`: a validated config and a connection pool of its own.

use std::ffi::c_char;
use std::sync::Arc;

use super::boundary::{answer, construct, optional_str, release, required_str};
use super::document::Revoked;

use crate::core::{Client, Config, Error, ExchangeOptions};
use crate::per_process::PerProcess;
use crate::runtime;

/// A long-lived client: a validated config and its own connections.
///
/// Create it with `genauth_client_new` and release it with `genauth_client_free`. A client is
/// immutable and safe to share between threads: every `genauth_client_*` call may run on any
/// thread, concurrently with the others. Blocking calls do their I/O on the calling thread, over
/// keep-alive connections that thread keeps for this client; the `_async` calls use a pool on
/// the library's runtime.
///
/// Methods: `genauth_client_authorize_url`, `genauth_client_parse_callback`,
/// `genauth_client_exchange_code`, `genauth_client_exchange_code_with`, `genauth_client_refresh`,
/// `genauth_client_revoke`, `genauth_client_introspect`, `genauth_client_userinfo` (each also as
/// `_async`), `genauth_session_new`, `genauth_client_free`.
#[allow(non_camel_case_types)] // the C name, as cbindgen emits it
pub struct genauth_client {
    // Shared so that work still in flight, and sessions, can outlive the handle.
    process: Arc<ProcessClient>,
}

/// A client as each process must use it: the one made here or, in a forked child, that
/// process's own copy. Shared by the handle and the sessions made from it.
pub(crate) struct ProcessClient {
    inner: Arc<Client>,
    created_in: u32,
    /// A forked child's own copy: the parent's pooled connections belong to runtime threads that
    /// do not exist in the child, and must never be touched there.
    in_child: PerProcess<Result<Arc<Client>, Error>>,
}

impl genauth_client {
    fn new(client: Client) -> genauth_client {
        genauth_client {
            process: Arc::new(ProcessClient {
                inner: Arc::new(client),
                created_in: crate::per_process::pid(),
                in_child: PerProcess::new(),
            }),
        }
    }
}

impl ProcessClient {
    /// The client to use in this process.
    pub(crate) fn current(&self) -> Result<Arc<Client>, Error> {
        if crate::per_process::pid() == self.created_in {
            return Ok(self.inner.clone());
        }
        self.in_child
            .get_or_init(|| self.inner.fresh_copy().map(Arc::new))
            .clone()
    }
}

/// Creates a client from a config document, validated once here.
///
/// On success returns the client and, when `error_json` is not NULL, sets `*error_json` to NULL.
/// On failure returns NULL and, when `error_json` is not NULL, sets `*error_json` to an error
/// document the caller releases with `genauth_string_free`.
///
/// The client must eventually be released with `genauth_client_free`. `config_json` stays owned
/// by the caller. Safe to call from any thread.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `error_json` is NULL or points to a
/// writable `char *`.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_new(
    config_json: *const c_char,
    error_json: *mut *mut c_char,
) -> *mut genauth_client {
    // SAFETY: the caller's pointers per the contract.
    unsafe {
        construct(error_json, || {
            let config = Config::from_json(required_str(config_json, "config_json")?)?;
            Ok(genauth_client::new(Client::new(config)?))
        })
    }
}

/// Releases a client. NULL is a no-op. Calls that are still running on other threads keep what
/// they need alive and complete normally; the client must not be used after this call, nor freed
/// twice.
///
/// # Safety
/// `client` is NULL or a pointer from `genauth_client_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_free(client: *mut genauth_client) {
    // SAFETY: the pointer came from genauth_client_new and is released once, per the contract.
    unsafe { release(client) }
}

/// Exchanges an authorization code with a client's config and connections.
///
/// As `genauth_exchange_code`: `code_verifier` is NULL when the login did not use PKCE; returns a
/// result document, never NULL, released by the caller with `genauth_string_free`; blocks until
/// the reply or `timeoutMs`; returns `reentrant_call` from inside a `genauth_callback`.
/// A NULL `client` gives the error `null_argument`.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_exchange_code(
    client: *const genauth_client,
    code: *const c_char,
    code_verifier: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, code, verifier) = unsafe {
            (
                client_ref(client)?,
                required_str(code, "code")?,
                optional_str(code_verifier, "code_verifier")?,
            )
        };
        let options = ExchangeOptions {
            code_verifier: verifier.map(|v| v.to_owned().into()),
            nonce: None,
        };
        runtime::block_on(client.exchange_code(code, &options))
    })
}

/// Exchanges an authorization code, with options as a JSON object:
/// `{"codeVerifier": "...", "nonce": "..."}`. Either key may be absent; `options_json` may be
/// NULL (no options). Unknown keys are the error `invalid_argument`. `nonce` is the nonce the
/// login request carried; the id_token must carry the same one.
///
/// Otherwise as `genauth_client_exchange_code`.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_exchange_code_with(
    client: *const genauth_client,
    code: *const c_char,
    options_json: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, code, options) = unsafe {
            (
                client_ref(client)?,
                required_str(code, "code")?,
                optional_str(options_json, "options_json")?,
            )
        };
        let options = match options {
            Some(json) => ExchangeOptions::from_json(json)?,
            None => ExchangeOptions::default(),
        };
        runtime::block_on(client.exchange_code(code, &options))
    })
}

/// Exchanges a refresh token with a client's config and connections.
///
/// As `genauth_refresh`: returns a result document, never NULL, released by the caller with
/// `genauth_string_free`; blocks until the reply or `timeoutMs`. A NULL `client` gives the error
/// `null_argument`.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_refresh(
    client: *const genauth_client,
    refresh_token: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, refresh_token) = unsafe {
            (
                client_ref(client)?,
                required_str(refresh_token, "refresh_token")?,
            )
        };
        runtime::block_on(client.refresh(refresh_token))
    })
}

/// Revokes a token (RFC 7009) at the provider's revocation endpoint, authenticating the client
/// like the token calls do.
///
/// `token_type_hint` is NULL, "access_token" or "refresh_token". Revoking a refresh token ends
/// the grant: the refresh token stops working, and so may the tokens issued with it. Returns
/// `{"ok": true}` (also for a token the provider did not know, per RFC 7009) or an error
/// document, never NULL, owned by the caller (`genauth_string_free`). Blocks until the reply or
/// `timeoutMs`.
///
/// # Safety
/// `client` is NULL or a live client; each string is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_revoke(
    client: *const genauth_client,
    token: *const c_char,
    token_type_hint: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, token, hint) = unsafe {
            (
                client_ref(client)?,
                required_str(token, "token")?,
                optional_str(token_type_hint, "token_type_hint")?,
            )
        };
        runtime::block_on(client.revoke(token, hint)).map(|()| Revoked)
    })
}

/// Asks the provider about a token (RFC 7662 introspection), authenticating the client like the
/// token calls do.
///
/// Returns `{"ok": true, "introspection": {"active": true|false, ...}}` — a revoked or expired
/// token is `"active": false`, not an error — or an error document, never NULL, owned by the
/// caller (`genauth_string_free`). Blocks until the reply or `timeoutMs`.
///
/// # Safety
/// `client` is NULL or a live client; `token` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_introspect(
    client: *const genauth_client,
    token: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, token) = unsafe { (client_ref(client)?, required_str(token, "token")?) };
        runtime::block_on(client.introspect(token))
    })
}

/// Fetches the user's claims from the provider's userinfo endpoint with `access_token` as a
/// Bearer credential.
///
/// Returns `{"ok": true, "userinfo": {"sub": ..., ...}}` or an error document (an expired or
/// revoked token is the provider's `oauth_error` or an `http_status` 401), never NULL, owned by
/// the caller (`genauth_string_free`). Blocks until the reply or `timeoutMs`.
///
/// # Safety
/// `client` is NULL or a live client; `access_token` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn genauth_client_userinfo(
    client: *const genauth_client,
    access_token: *const c_char,
) -> *mut c_char {
    answer(|| {
        // SAFETY: caller's pointers per the contract.
        let (client, token) = unsafe {
            (
                client_ref(client)?,
                required_str(access_token, "access_token")?,
            )
        };
        runtime::block_on(client.userinfo(token))
    })
}

/// # Safety
/// `client` is NULL or a live pointer from `genauth_client_new`.
pub(crate) unsafe fn client_ref(client: *const genauth_client) -> Result<Arc<Client>, Error> {
    // SAFETY: per the function's contract.
    unsafe { process_client_ref(client) }?.current()
}

/// The handle's per-process client, for what must outlive the handle (sessions).
///
/// # Safety
/// `client` is NULL or a live pointer from `genauth_client_new`.
pub(crate) unsafe fn process_client_ref(
    client: *const genauth_client,
) -> Result<Arc<ProcessClient>, Error> {
    // SAFETY: per the function's contract.
    unsafe { client.as_ref() }
        .map(|c| c.process.clone())
        .ok_or(Error::NullArgument("client"))
}
