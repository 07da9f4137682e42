//! What every exported function does at the edge: read C strings, stop panics, hand back a
//! library-owned JSON string.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::Value;

use crate::core::document;
use crate::core::Error;

/// Runs `body`, turning a panic into an `internal` error document. Since Rust 1.81 a panic that
/// reaches `extern "C"` aborts the host process; this is what prevents that.
pub(crate) fn guard(body: impl FnOnce() -> Value) -> *mut c_char {
    let value = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| panic_document());
    into_c_string(&value)
}

pub(crate) fn panic_document() -> Value {
    // The payload is not shown: it may quote data the panicking code was handling.
    document::failure(&Error::Internal(
        "a panic was caught at the library boundary".into(),
    ))
}

/// Caller-owned copy, released by `genauth_string_free`.
pub(crate) fn into_c_string(value: &Value) -> *mut c_char {
    // Straight into bytes (cheaper than Display's formatter); serde_json escapes U+0000, so a
    // serialised document never holds an interior NUL.
    serde_json::to_vec(value)
        .ok()
        .and_then(|bytes| CString::new(bytes).ok())
        .unwrap_or_else(|| {
            CString::from(
                c"{\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"unrepresentable result\"}}",
            )
        })
        .into_raw()
}

/// Borrows a required NUL-terminated UTF-8 argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn required_str<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::NullArgument(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the function's contract.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|_| Error::InvalidUtf8(name))
}

/// Like `required_str`, with NULL meaning "not given".
///
/// # Safety
/// As `required_str`.
pub(crate) unsafe fn optional_str<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { required_str(ptr, name) }.map(Some)
}

/// Drops an object handed out with `Box::into_raw`; NULL is a no-op, a panic in a destructor
/// stays on this side.
///
/// # Safety
/// `ptr` is NULL or came from `Box::into_raw` and is released once.
pub(crate) unsafe fn release<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: per the function's contract.
    let owned = unsafe { Box::from_raw(ptr) };
    let _ = catch_unwind(AssertUnwindSafe(move || drop(owned)));
}
