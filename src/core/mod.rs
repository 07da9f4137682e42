//! The protocol core, and the crate's Rust API: safe Rust, no C types, no result documents.
//! Requests are built as values and replies parsed into typed values; `transport` is the only
//! module that touches the network.
//!
//! ```
//! use genauth::core::{AuthorizeOptions, CallbackExpectations, Config};
//!
//! let config = Config::from_json(
//!     r#"{"appId": "app-1", "appSecret": "app-secret-1", "appHost": "https://example.genauth.ai",
//!         "redirectUri": "https://app.example/callback"}"#,
//! )?;
//! // The login: send the user to `login.url`; keep `state`, `nonce` and `code_verifier`.
//! let login = genauth::core::build_authorize_url(&config, &AuthorizeOptions::default(), None)?;
//! assert!(login.url.as_str().starts_with("https://example.genauth.ai/oidc/auth?"));
//!
//! // The browser comes back to the redirect URI; check it before exchanging its code with
//! // `Client::exchange_code` (which needs a runtime and the network).
//! let callback_url = format!("https://app.example/callback?code=c-1&state={}", login.state);
//! let callback = genauth::core::parse_callback(
//!     &callback_url,
//!     &CallbackExpectations {
//!         state: &login.state,
//!         issuer: "https://example.genauth.ai/oidc",
//!         redirect_uri: config.redirect_uri.as_deref(),
//!         iss_required: false,
//!     },
//! )?;
//! assert_eq!(callback.code.as_str(), "c-1");
//! # Ok::<(), genauth::core::Error>(())
//! ```

pub(crate) mod authorize;
pub(crate) mod callback;
pub(crate) mod caller_thread;
pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod connections;
pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod error_code;
pub(crate) mod grants;
pub(crate) mod id_token;
pub mod log;
pub(crate) mod loopback;
pub(crate) mod provider;
pub(crate) mod proxy;
pub(crate) mod redact;
pub(crate) mod session;
pub(crate) mod tls;
pub(crate) mod token_reply;
pub(crate) mod token_request;
pub(crate) mod tokens;
pub(crate) mod transport;

pub use authorize::{build_authorize_url, AuthorizeOptions, AuthorizeRequest};
pub use callback::{parse_callback, Callback, CallbackExpectations};
pub use client::{Client, ExchangeOptions};
pub use config::{AuthMethod, Config, Protocol, ProxySetting};
pub use connections::Connections;
pub use error::Error;
pub use error_code::ErrorCode;
pub use grants::{ClientCredentialsOptions, DeviceAuthorization, LogoutOptions, LogoutUrl};
pub use id_token::IdTokenCheck;
pub use loopback::{open_browser, LoopbackOptions};
pub use provider::ProviderCache;
pub use session::Session;
pub use tokens::{IdTokenClaims, Introspection, Tokens, UserInfo};

/// The parsers and builders under the API, for the project's own property tests and fuzz
/// targets. Not part of the Rust API: they may change in any release.
#[doc(hidden)]
pub mod testing {
    pub use super::caller_thread::pools_on_this_thread;
    pub use super::config::is_loopback;
    pub use super::discovery::{parse_metadata, DiscoveryFailure};
    pub use super::token_reply::{parse_json_reply, parse_token_reply};
    pub use super::token_request::basic_credentials;
    pub use super::transport::build_http_client;
}
