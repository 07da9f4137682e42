//! libgenauth: GenAuth's OpenID Connect token operations — authorization code exchange and
//! refresh — for any language, through a C ABI (see `include/genauth.h`).
//!
//! Rust callers can use [`core`] directly; C callers use the `genauth_*` functions of [`ffi`].

pub mod core;
pub mod ffi;
mod kept_slot;
mod per_process;
mod runtime;
