//! The loopback login (RFC 8252 §7.3) through the C ABI against a scripted provider: the test's
//! `on_url` plays the browser, fetching the redirect URI with the code and the state.

mod support {
    pub mod canned_server;
    pub mod fake_provider;
    pub mod ffi;
}

use std::ffi::{c_char, c_void, CStr, CString};
use std::io::{Read, Write};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use genauth::ffi::client::{genauth_client_free, genauth_client_new};
use genauth::ffi::grants::genauth_client_login_loopback;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use support::fake_provider::{FakeProvider, TOKEN};
use support::ffi::{code, take};
use url::Url;

const APP_ID: &str = "app-1";
const SECRET: &str = "client-secret-0123456789";

/// What the fake browser does with the login URL.
struct Browser {
    provider: FakeProvider,
    /// Replace the state with this one (a forged callback).
    forged_state: Option<&'static str>,
    /// Do nothing (the user never comes back).
    idle: bool,
    page: Mutex<String>,
    url: Mutex<String>,
    visit: Mutex<Option<std::thread::JoinHandle<()>>>,
}

fn get(url: &str) -> String {
    let u = Url::parse(url).unwrap();
    let mut s = std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
    let target = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    };
    write!(
        s,
        "GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// A browser opens the URL on its own while the app goes on waiting: the visit runs on a
/// thread of its own, so `on_url` returns at once.
unsafe extern "C" fn browse(user_data: *mut c_void, url: *const c_char) {
    // SAFETY: the test's Browser, alive for the whole call (`run` joins the visit).
    let browser: &'static Browser = unsafe { &*(user_data as *const Browser) };
    // SAFETY: a NUL-terminated URL, valid during the call.
    let url = unsafe { CStr::from_ptr(url) }.to_str().unwrap().to_owned();
    *browser.url.lock().unwrap() = url.clone();
    if browser.idle {
        return;
    }
    let visit = std::thread::spawn(move || visit(browser, &url));
    *browser.visit.lock().unwrap() = Some(visit);
}

fn visit(browser: &Browser, url: &str) {
    let login = Url::parse(url).unwrap();
    let param = |k: &str| {
        login
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let id_token = encode(
        &Header::new(Algorithm::HS256),
        &json!({"iss": browser.provider.issuer(), "aud": APP_ID, "sub": "user-1", "iat": now,
                "exp": now + 600, "nonce": param("nonce")}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    browser.provider.set(
        TOKEN,
        "200 OK",
        &json!({"access_token": "at-loopback-secret", "token_type": "Bearer", "id_token": id_token})
            .to_string(),
    );
    let state = browser
        .forged_state
        .map(str::to_owned)
        .unwrap_or_else(|| param("state"));
    let redirect = param("redirect_uri");
    // A favicon first, as browsers do: answered 404, the login keeps waiting.
    let favicon = Url::parse(&redirect).unwrap().join("/favicon.ico").unwrap();
    assert!(get(favicon.as_str()).starts_with("HTTP/1.1 404"));
    let callback = format!("{redirect}?code=the-code-0123&state={state}");
    let page = get(&callback);
    *browser.page.lock().unwrap() = page;
}

fn run(
    p: &FakeProvider,
    options: &str,
    forged_state: Option<&'static str>,
    idle: bool,
) -> (Value, Browser) {
    let browser = Browser {
        provider: p.clone(),
        forged_state,
        idle,
        page: Mutex::new(String::new()),
        url: Mutex::new(String::new()),
        visit: Mutex::new(None),
    };
    let config = CString::new(format!(
        r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb/path","timeoutMs":3000}}"#,
        p.url
    ))
    .unwrap();
    let options = CString::new(options).unwrap();
    let doc = unsafe {
        let client = genauth_client_new(config.as_ptr(), std::ptr::null_mut());
        let doc = take(genauth_client_login_loopback(
            client,
            options.as_ptr(),
            Some(browse),
            &browser as *const Browser as *mut c_void,
        ));
        genauth_client_free(client);
        doc
    };
    if let Some(visit) = browser.visit.lock().unwrap().take() {
        visit.join().unwrap();
    }
    (doc, browser)
}

/// A provider on its own runtime thread, so the blocking C calls run on the test's thread.
fn provider() -> (FakeProvider, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let p = rt.block_on(FakeProvider::start());
    (p, rt)
}

#[test]
fn a_whole_login_through_the_loopback_redirect() {
    let (p, _rt) = provider();
    let (doc, browser) = run(
        &p,
        r#"{"scope":"openid profile","timeoutSeconds":10}"#,
        None,
        false,
    );
    assert_eq!(doc["tokens"]["access_token"], "at-loopback-secret", "{doc}");
    assert_eq!(doc["tokens"]["id_token_claims"]["sub"], "user-1", "{doc}");
    let url = browser.url.lock().unwrap().clone();
    let login = Url::parse(&url).unwrap();
    let redirect = login
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/cb/path"),
        "{redirect}"
    );
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let page = browser.page.lock().unwrap().clone();
    assert!(page.contains("You are signed in"), "{page}");
    assert!(
        !page.contains("at-loopback-secret") && !page.contains("the-code-0123"),
        "{page}"
    );
    // The exchange sent the loopback redirect URI and the verifier.
    let sent = &p.requests(TOKEN)[0].0;
    assert!(sent.contains("code_verifier="), "{sent}");
    assert!(
        sent.contains(
            &url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        ),
        "{sent}"
    );
}

#[test]
fn a_forged_state_is_refused_and_the_page_says_so() {
    let (p, _rt) = provider();
    let (doc, browser) = run(&p, r#"{"timeoutSeconds":10}"#, Some("forged"), false);
    assert_eq!(code(&doc), "state_mismatch", "{doc}");
    let page = browser.page.lock().unwrap().clone();
    assert!(page.contains("Sign-in failed (state_mismatch)"), "{page}");
    assert_eq!(p.hits(TOKEN), 0, "nothing exchanged");
}

#[test]
fn no_callback_in_time_is_login_timeout_and_a_busy_port_is_clear() {
    let (p, _rt) = provider();
    let started = std::time::Instant::now();
    let (doc, _) = run(&p, r#"{"timeoutSeconds":1}"#, None, true);
    assert_eq!(code(&doc), "login_timeout", "{doc}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let (doc, browser) = run(&p, &format!(r#"{{"port":{port}}}"#), None, true);
    assert_eq!(code(&doc), "invalid_argument", "{doc}");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(
        browser.url.lock().unwrap().is_empty(),
        "no browser for a login that cannot finish"
    );
}

#[test]
fn without_on_url_and_without_a_browser_it_is_browser_failed() {
    let (p, _rt) = provider();
    // No xdg-open (nor open, nor start) on an empty PATH. No other test of this binary starts
    // a process or reads PATH.
    std::env::set_var("PATH", "/nonexistent-for-this-test");
    let config = CString::new(format!(
        r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb"}}"#,
        p.url
    ))
    .unwrap();
    let doc = unsafe {
        let client = genauth_client_new(config.as_ptr(), std::ptr::null_mut());
        let options = CString::new(r#"{"timeoutSeconds":1}"#).unwrap();
        let doc = take(genauth_client_login_loopback(
            client,
            options.as_ptr(),
            None,
            std::ptr::null_mut(),
        ));
        genauth_client_free(client);
        doc
    };
    assert_eq!(code(&doc), "browser_failed", "{doc}");

    // Without a desktop environment xdg-open runs the browser in the foreground and exits only
    // when the browser does: the login must go on meanwhile. This xdg-open hands the URL over,
    // then stays open 30 s (a browser the person has not closed).
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("genauth-opener-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let opener = dir.join("xdg-open");
        std::fs::write(
            &opener,
            format!(
                "#!/bin/sh\nprintf '%s' \"$1\" > '{0}/url.tmp' && /bin/mv '{0}/url.tmp' '{0}/url'\n/bin/sleep 30\nprintf closed > '{0}/closed'\n",
                dir.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::env::set_var("PATH", &dir);
        let browser = Browser {
            provider: p.clone(),
            forged_state: None,
            idle: false,
            page: Mutex::new(String::new()),
            url: Mutex::new(String::new()),
            visit: Mutex::new(None),
        };
        let config = CString::new(format!(
            r#"{{"appId":"{APP_ID}","appSecret":"{SECRET}","appHost":"{}","redirectUri":"http://127.0.0.1:8976/cb"}}"#,
            p.url
        ))
        .unwrap();
        let doc = std::thread::scope(|scope| {
            scope.spawn(|| {
                let url_file = dir.join("url");
                for _ in 0..500 {
                    if let Ok(url) = std::fs::read_to_string(&url_file) {
                        visit(&browser, &url);
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                panic!("xdg-open was not started with the login URL");
            });
            unsafe {
                let client = genauth_client_new(config.as_ptr(), std::ptr::null_mut());
                let options = CString::new(r#"{"timeoutSeconds":20}"#).unwrap();
                let doc = take(genauth_client_login_loopback(
                    client,
                    options.as_ptr(),
                    None,
                    std::ptr::null_mut(),
                ));
                genauth_client_free(client);
                doc
            }
        });
        assert!(
            !dir.join("closed").exists(),
            "the login waited for the browser to close"
        );
        assert_eq!(doc["tokens"]["access_token"], "at-loopback-secret", "{doc}");
        assert!(browser.page.lock().unwrap().contains("You are signed in"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
