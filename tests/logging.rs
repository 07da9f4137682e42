//! The process-wide log callback, flooded from 32 threads against a provider that echoes every
//! request back (line, headers, body) in its error: no secret, code, verifier or token may
//! reach any line. Its own test binary: the sink is process-wide.

mod support {
    pub mod canned_server;
    pub mod ffi;
    pub mod scenario_server;
}

use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::Mutex;

use genauth::ffi::client::{
    genauth_client_free, genauth_client_introspect, genauth_client_new, genauth_client_revoke,
    genauth_client_userinfo,
};
use genauth::ffi::client_async::genauth_client_exchange_code_async;
use genauth::ffi::grants::genauth_client_credentials;
use genauth::ffi::log::genauth_set_log_callback;
use support::ffi::{c, take, Client};
use support::scenario_server::{Behaviour, ScenarioServer};

static LINES: Mutex<Vec<(i32, String)>> = Mutex::new(Vec::new());
const MARK: usize = 0x5eed;

unsafe extern "C" fn collect(user_data: *mut c_void, level: i32, message: *const c_char) {
    assert_eq!(user_data as usize, MARK, "user_data travels untouched");
    // SAFETY: a NUL-terminated line, valid during the call.
    let text = unsafe { CStr::from_ptr(message) }
        .to_str()
        .unwrap()
        .to_owned();
    LINES.lock().unwrap().push((level, text));
}

unsafe extern "C" fn ignore(_: *mut c_void, result: *mut c_char) {
    // SAFETY: the callback owns the document.
    unsafe { genauth::ffi::strings::genauth_string_free(result) };
}

#[test]
fn a_flood_of_hostile_echoes_logs_no_secret_and_null_turns_logging_off() {
    let server = ScenarioServer::start(Behaviour::Echo("400 Bad Request"));
    unsafe { genauth_set_log_callback(Some(collect), MARK as *mut c_void, 5) };
    let mut all_secrets: Vec<String> = Vec::new();
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let secret = format!("client-secret-{i:02}-0123456789");
            let code = format!("authorization-code-{i:02}-abcdef");
            let verifier = format!("pkce-verifier-{i:02}-{}", "v".repeat(40));
            let refresh = format!("refresh-token-{i:02}-ghijkl");
            let access = format!("access-token-{i:02}-mnopqr");
            all_secrets.extend([
                secret.clone(),
                code.clone(),
                verifier.clone(),
                refresh.clone(),
                access.clone(),
            ]);
            let config = format!(
                r#"{{"appId":"app-{i}","appSecret":"{secret}","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb","tokenEndPointAuthMethod":"{}","timeoutMs":5000}}"#,
                server.url,
                if i % 2 == 0 { "client_secret_post" } else { "client_secret_basic" }
            );
            std::thread::spawn(move || {
                let client = Client::new(&config).unwrap();
                for _ in 0..2 {
                    client.exchange_code(&code, Some(&verifier));
                    client.refresh(&refresh);
                    unsafe {
                        take(genauth_client_revoke(client.ptr(), c(&access).as_ptr(), std::ptr::null()));
                        take(genauth_client_introspect(client.ptr(), c(&refresh).as_ptr()));
                        take(genauth_client_userinfo(client.ptr(), c(&access).as_ptr()));
                        take(genauth_client_credentials(client.ptr(), std::ptr::null()));
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let lines = LINES.lock().unwrap().clone();
    assert!(lines.len() >= 32 * 2 * 6, "{} lines", lines.len());
    for (level, line) in &lines {
        assert!((1..=5).contains(level), "{level} {line}");
        assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
        for secret in &all_secrets {
            assert!(!line.contains(secret.as_str()), "{secret} in {line}");
        }
        // Basic credentials and form fields of the echo never appear either.
        assert!(!line.contains("client_secret="), "{line}");
        assert!(
            !line.to_ascii_lowercase().contains("authorization:"),
            "{line}"
        );
    }
    let port = server.addr.port();
    let token_line = format!("HTTP POST http://127.0.0.1:{port}/oidc/token -> 400 in ");
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 4 && m.starts_with(&token_line)),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(l, m)| *l == 4
            && m.starts_with(&format!("HTTP GET http://127.0.0.1:{port}/oidc/me -> 404"))),
        "{lines:?}"
    );
    assert!(lines
        .iter()
        .any(|(l, m)| *l == 3 && m.contains("call failed: oauth_error")));

    // A lower level keeps the exchanges out; NULL turns everything off, async calls included.
    LINES.lock().unwrap().clear();
    unsafe { genauth_set_log_callback(Some(collect), MARK as *mut c_void, 3) };
    let client = Client::new(&format!(
        r#"{{"appId":"app-x","appSecret":"client-secret-x-0123456789","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb"}}"#,
        server.url
    ))
    .unwrap();
    client.refresh("refresh-token-x-0123456789");
    assert!(LINES.lock().unwrap().iter().all(|(l, _)| *l <= 3));
    assert!(!LINES.lock().unwrap().is_empty());
    unsafe { genauth_set_log_callback(None, std::ptr::null_mut(), 5) };
    LINES.lock().unwrap().clear();
    client.refresh("refresh-token-x-0123456789");
    let code = CString::new("code-x").unwrap();
    let config = CString::new(format!(
        r#"{{"appId":"app-y","appSecret":"client-secret-y-0123456789","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb"}}"#,
        server.url
    ))
    .unwrap();
    unsafe {
        let raw = genauth_client_new(config.as_ptr(), std::ptr::null_mut());
        assert_eq!(
            genauth_client_exchange_code_async(
                raw,
                code.as_ptr(),
                std::ptr::null(),
                Some(ignore),
                std::ptr::null_mut()
            ),
            0
        );
        genauth_client_free(raw);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        LINES.lock().unwrap().is_empty(),
        "{:?}",
        LINES.lock().unwrap()
    );
}
