//! The C ABI: argument checks, the panic boundary, JSON in and out. No protocol logic here.

#[cfg(target_os = "android")]
pub mod android;
mod boundary;
pub mod client;
pub mod client_async;
mod document;
pub mod grants;
pub mod log;
pub mod login;
pub mod oneshot;
pub mod session;
pub mod strings;
