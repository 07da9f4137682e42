//! The process-wide log callback.

use std::ffi::{c_char, c_void, CString};

use crate::core::log::{self, Level};

/// Receives one log message: `user_data` as registered, the level (1 error, 2 warn, 3 info,
/// 4 debug, 5 trace) and one line of UTF-8 text, valid only during the call (copy it to keep it).
///
/// Messages are already redacted: no client secret, code, verifier or token reaches it. It runs
/// on whichever thread logs (the caller's or a library thread), possibly on several at once,
/// and must return quickly; a blocking `genauth_*` call made from it may be `reentrant_call`.
#[allow(non_camel_case_types)] // the C name, as cbindgen emits it
pub type genauth_log_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const c_char)>;

struct Target {
    function: unsafe extern "C" fn(*mut c_void, i32, *const c_char),
    user_data: *mut c_void,
}

impl Target {
    fn deliver(&self, level: Level, text: &CString) {
        // SAFETY: the registered function and its user_data, per the contract.
        unsafe { (self.function)(self.user_data, level as i32, text.as_ptr()) };
    }
}

// SAFETY: the caller promises `user_data` may be used from any thread (see the contract).
unsafe impl Send for Target {}
// SAFETY: as above.
unsafe impl Sync for Target {}

/// Sets the one process-wide log callback: messages up to `max_level` (1 error … 5 trace) go
/// to `fn`, with `user_data`. At level 4 and above each HTTP exchange is logged: method, URL
/// without query, status (or error code) and duration.
///
/// A NULL `fn`, or `max_level` below 1, turns logging off. The new callback replaces the
/// previous one at once; a message already being delivered on another thread may still reach
/// the previous one, so keep its `user_data` valid for the life of the process (the library
/// keeps a few bytes per registration for that reason). Safe to call from any thread, and in a
/// forked child.
///
/// # Safety
/// `fn` is NULL or a function safe to call from any thread, concurrently, with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn genauth_set_log_callback(
    r#fn: genauth_log_fn,
    user_data: *mut c_void,
    max_level: i32,
) {
    let Some(function) = r#fn else {
        log::set_sink(None, max_level);
        return;
    };
    let target = Target {
        function,
        user_data,
    };
    let sink: log::Sink = Box::new(move |level: Level, message: &str| {
        // `emit` replaced control characters, NUL included.
        if let Ok(text) = CString::new(message) {
            target.deliver(level, &text);
        }
    });
    log::set_sink(Some(sink), max_level);
}
