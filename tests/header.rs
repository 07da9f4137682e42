//! The checked-in header must be exactly what cbindgen generates from the current sources.
//! `GENAUTH_BLESS_HEADER=1 cargo test --test header` (or `make header`) rewrites it.

use std::path::Path;

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/genauth.h"));

#[test]
fn checked_in_header_matches_cbindgen() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/genauth.h");
    if std::env::var_os("GENAUTH_BLESS_HEADER").is_some() {
        std::fs::write(&path, GENERATED).expect("include/genauth.h is writable");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == GENERATED,
        "include/genauth.h is stale: run `make header` and commit the result"
    );
}

#[test]
fn android_init_is_declared_for_android_only() {
    let declaration = "int32_t genauth_android_init(JNIEnv *env, jobject context);";
    let at = GENERATED
        .find(declaration)
        .expect("genauth_android_init is declared");
    let guard = GENERATED[..at]
        .rfind("#if defined(__ANDROID__)")
        .expect("an __ANDROID__ guard precedes it");
    assert!(
        !GENERATED[guard..at].contains("#endif"),
        "genauth_android_init sits inside the __ANDROID__ guard"
    );
    assert!(
        GENERATED.contains("#if defined(__ANDROID__)\n#include <jni.h>\n#endif"),
        "jni.h is included on Android only"
    );
}

#[test]
fn header_declares_every_contract_function() {
    for name in [
        "genauth_exchange_code(",
        "genauth_refresh(",
        "genauth_client_new(",
        "genauth_client_exchange_code(",
        "genauth_client_exchange_code_with(",
        "genauth_client_refresh(",
        "genauth_client_exchange_code_async(",
        "genauth_client_refresh_async(",
        "typedef void (*genauth_callback)(void *user_data, char *result_json);",
        "genauth_build_authorize_url(",
        "genauth_parse_callback(",
        "genauth_client_authorize_url(",
        "genauth_client_parse_callback(",
        "genauth_client_revoke_async(",
        "genauth_client_introspect_async(",
        "genauth_client_userinfo_async(",
        "genauth_client_authorize_url_async(",
        "genauth_client_parse_callback_async(",
        "genauth_session_fresh_tokens_async(",
        "genauth_session_new(",
        "genauth_session_fresh_tokens(",
        "genauth_session_tokens(",
        "genauth_session_free(",
        "genauth_client_revoke(",
        "genauth_client_introspect(",
        "genauth_client_userinfo(",
        "genauth_client_free(",
        "genauth_string_free(",
        "genauth_version(",
        "genauth_android_init(",
        "genauth_client_credentials(",
        "genauth_client_credentials_async(",
        "genauth_client_logout_url(",
        "genauth_client_logout_url_async(",
        "genauth_client_device_start(",
        "genauth_client_device_start_async(",
        "genauth_client_device_poll(",
        "genauth_client_device_poll_async(",
        "typedef void (*genauth_log_fn)(void *user_data, int32_t level, const char *message);",
        "void genauth_set_log_callback(genauth_log_fn fn, void *user_data, int32_t max_level);",
        "typedef void (*genauth_url_fn)(void *user_data, const char *url);",
        "genauth_client_login_loopback(",
    ] {
        assert!(GENERATED.contains(name), "{name} missing from the header");
    }
}

/// The error-code enum is the one list of codes: its documented names are `ErrorCode::ALL`'s, in
/// order, one line each.
#[test]
fn header_lists_every_error_code() {
    let start = GENERATED
        .find("typedef enum genauth_error_code {")
        .expect("the error-code enum is in the header");
    let end = start + GENERATED[start..].find("} genauth_error_code;").unwrap();
    let documented: Vec<&str> = GENERATED[start..end]
        .lines()
        .filter_map(|l| l.trim().strip_prefix('`'))
        .filter_map(|l| l.split('`').next())
        .collect();
    let names: Vec<&str> = genauth::core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(documented, names);
}
