//! What every exported function does at the edge: read C strings, stop panics, hand back a
//! library-owned JSON string. Each exported function reads as its argument checks and one call
//! into the core, wrapped in one of `answer`, `construct` or `answer_later`.

use std::ffi::{c_char, c_void, CStr};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use super::client_async::{genauth_callback, submit};
use super::document::{self, Document, Member};
use crate::core::Error;

/// The body of a function that answers with a result document: its value as the success
/// document, its error — or a panic, caught — as the failure document. Since Rust 1.81 a panic
/// that reaches `extern "C"` aborts the host process; this is what prevents that.
pub(crate) fn answer<T: Member>(body: impl FnOnce() -> Result<T, Error>) -> *mut c_char {
    let doc = catch_unwind(AssertUnwindSafe(|| document::result(body())))
        .unwrap_or_else(|_| panic_document());
    into_c_string(doc)
}

/// The body of a constructor: the object on success (and `*error_json` = NULL); NULL and an
/// error document in `*error_json` on failure, or nothing when `error_json` is NULL.
///
/// # Safety
/// `error_json` is NULL or points to a writable `char *`.
pub(crate) unsafe fn construct<T>(
    error_json: *mut *mut c_char,
    body: impl FnOnce() -> Result<T, Error>,
) -> *mut T {
    let (object, error) = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(object)) => (Box::into_raw(Box::new(object)), ptr::null_mut()),
        Ok(Err(e)) => (ptr::null_mut(), into_c_string(document::failure(&e))),
        Err(_) => (ptr::null_mut(), into_c_string(panic_document())),
    };
    if error_json.is_null() {
        // SAFETY: `error` came from into_c_string (or is NULL) and was not handed out.
        unsafe { super::strings::genauth_string_free(error) };
    } else {
        // SAFETY: the caller passed a writable `char **`.
        unsafe { *error_json = error };
    }
    object
}

/// The body of a non-blocking function: `args` were read before it returns (an error there is
/// delivered like any other), then `work` runs on the runtime and its result document goes to
/// `cb` exactly once. Returns what `submit` returns (0, -1, -2).
pub(crate) fn answer_later<A, T, F>(
    cb: genauth_callback,
    user_data: *mut c_void,
    args: Result<A, Error>,
    work: impl FnOnce(A) -> F + Send + 'static,
) -> i32
where
    A: Send + 'static,
    T: Member,
    F: Future<Output = Result<T, Error>> + Send + 'static,
{
    submit(cb, user_data, async move {
        let result = match args {
            Ok(args) => work(args).await,
            Err(e) => Err(e),
        };
        document::result(result)
    })
}

/// Reads a call's arguments; a panic while reading is an error like the others.
pub(crate) fn read_args<T>(read: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|_| Err(panic_error()))
}

fn panic_error() -> Error {
    // The payload is not shown: it may quote data the panicking code was handling.
    Error::Internal("a panic was caught at the library boundary".into())
}

pub(crate) fn panic_document() -> Document {
    document::failure(&panic_error())
}

/// Caller-owned copy, released by `genauth_string_free`.
pub(crate) fn into_c_string(doc: Document) -> *mut c_char {
    doc.into_c_string().into_raw()
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
