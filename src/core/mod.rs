//! The protocol core: safe Rust, no C types. Requests are built as values and replies parsed
//! from values; `transport` is the only module that touches the network.

pub mod authorize;
pub mod callback;
pub mod client;
pub mod config;
pub mod discovery;
pub mod error;
pub mod error_code;
pub mod id_token;
pub mod provider;
pub mod proxy;
pub mod redact;
pub mod session;
pub mod tls;
pub mod token_reply;
pub mod token_request;
pub mod tokens;
pub mod transport;

pub use client::{Client, ExchangeOptions};
pub use config::Config;
pub use error::Error;
pub use error_code::ErrorCode;
pub use tokens::{IdTokenClaims, Introspection, Tokens, UserInfo};
