//! Android only: hands the JVM and the app's `Context` to the platform certificate verifier.
//!
//! On Android, rustls-platform-verifier checks certificates with the platform's own trust
//! manager, which it reaches through the JVM; it needs the app's `Context` (and through it the
//! class loader that holds its small Kotlin component) before the first TLS handshake.

use jni::objects::JObject;
use jni::sys::{jobject, JNIEnv};
use jni::{EnvUnowned, Outcome};

/// Android only (compiled for `target_os = "android"`; absent from other builds): prepares TLS
/// certificate verification, which on Android goes through the platform's trust manager.
///
/// Call it once per process, before the first `https://` request, from a thread attached to the
/// JVM: `env` is that thread's `JNIEnv`, `context` a local or global reference to an Android
/// `Context` (the application context is best). Later calls do nothing and return 0. The app
/// must also ship rustls-platform-verifier's Kotlin component (classes
/// `org.rustls.platformverifier.*`, kept from R8/ProGuard), found through the context's class
/// loader. Without this call the verifier cannot run and every `https://` request of the process
/// fails.
///
/// Returns 0 on success, -1 when `env` or `context` is NULL, -2 when the JVM refused a call (a
/// Java exception it raised is cleared, not left pending).
///
/// # Safety
/// `env` is NULL or the `JNIEnv` of the calling thread; `context` is NULL or a live reference to
/// an `android.content.Context` valid in that thread.
#[no_mangle]
pub unsafe extern "C" fn genauth_android_init(env: *mut JNIEnv, context: jobject) -> i32 {
    if env.is_null() || context.is_null() {
        return -1;
    }
    // SAFETY: `env` is the calling thread's JNIEnv, non-NULL, per the contract.
    let mut unowned = unsafe { EnvUnowned::from_raw(env) };
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<bool> {
            // SAFETY: `context` is a live reference valid in this thread, per the contract.
            let context = unsafe { JObject::from_raw(env, context) };
            match rustls_platform_verifier::android::init_with_env(env, context) {
                Ok(()) => Ok(true),
                Err(_) => {
                    if env.exception_check() {
                        env.exception_clear();
                    }
                    Ok(false)
                }
            }
        })
        .into_outcome();
    match outcome {
        Outcome::Ok(true) => 0,
        _ => -2,
    }
}
