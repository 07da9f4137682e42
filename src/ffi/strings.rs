//! Strings the library hands out, and its version.

use std::ffi::{c_char, CString};

/// Releases a string returned by any `genauth_*` function. NULL is a no-op.
///
/// Every string must be released exactly once, with this function (not `free`): the library's
/// allocator is not necessarily the caller's. Safe to call from any thread.
///
/// # Safety
/// `s` is NULL or a string a `genauth_*` function returned, not yet released.
#[no_mangle]
pub unsafe extern "C" fn genauth_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: the caller passes back a pointer that CString::into_raw produced, once.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// The library's version, e.g. "0.1.0": a static string, never to be freed.
#[no_mangle]
pub extern "C" fn genauth_version() -> *const c_char {
    static VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };
    VERSION.as_ptr()
}
