//! Proxies, through the C ABI: plain `http://` is allowed only on loopback, so nothing bound for
//! loopback (and nothing over plain http) ever goes through a proxy, whatever the environment
//! says; `https://` targets elsewhere use the config's `proxy` (`"none"`: direct), else the
//! environment as curl reads it (`HTTPS_PROXY`, then `ALL_PROXY`, minus `NO_PROXY`).
//!
//! The proxy is a fake: a loopback listener that counts connections, records what it was sent
//! (`CONNECT host:443 HTTP/1.1` for a tunnel) and answers 502. The environment is the process's,
//! so every test takes `ENV` and sets the proxy variables it wants before it builds a client
//! (a client reads the environment when it is built).

mod support {
    pub mod canned_server;
    pub mod ffi;
    pub mod scenario_server;
}

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use support::canned_server::{http_response, read_request};
use support::ffi::{self, assert_no_secret, code, Client};
use support::scenario_server::{runtime, Behaviour, ScenarioServer};

const SECRET: &str = "proxy-client-SECRET-77";
const REFRESH: &str = "refresh-TOKEN-via-proxy";
const PROXY_PASSWORD: &str = "pw-secret-123";
const TOKENS: &[u8] =
    br#"{"access_token":"at-direct","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}"#;

const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

static ENV: Mutex<()> = Mutex::new(());

/// Holds the environment lock with exactly `vars` set among the proxy variables.
fn env(vars: &[(&str, &str)]) -> MutexGuard<'static, ()> {
    let guard = ENV.lock().unwrap_or_else(|p| p.into_inner());
    set_env(vars);
    guard
}

/// Changes the proxy variables; only with `ENV` held.
fn set_env(vars: &[(&str, &str)]) {
    for name in PROXY_VARS {
        std::env::remove_var(name);
    }
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
}

struct FakeProxy {
    port: u16,
    connections: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

impl FakeProxy {
    fn start() -> FakeProxy {
        let rt = runtime();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (count, log) = (connections.clone(), heads.clone());
        rt.spawn(async move {
            while let Ok((mut tcp, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let log = log.clone();
                tokio::spawn(async move {
                    let request = read_request(&mut tcp).await;
                    log.lock().unwrap().push(request);
                    let _ = tcp
                        .write_all(&http_response("502 Bad Gateway", &[], b""))
                        .await;
                    let _ = tcp.shutdown().await;
                });
            }
        });
        FakeProxy {
            port,
            connections,
            heads,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// Every connection asked for a tunnel to `authority`, and there was at least one.
    fn assert_tunnels_to(&self, authority: &str, what: &str) {
        let heads = self.heads();
        assert!(
            self.connections() > 0,
            "{what}: the proxy saw no connection"
        );
        assert_eq!(heads.len(), self.connections(), "{what}: {heads:?}");
        for head in &heads {
            assert!(
                head.starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
                "{what}: {head}"
            );
            assert!(!head.contains(SECRET), "{what}: {head}");
        }
    }

    fn assert_unused(&self, what: &str) {
        assert_eq!(
            self.connections(),
            0,
            "{what}: the proxy was used; it saw {:?}",
            self.heads()
        );
    }
}

fn config(host: &str, proxy: Option<Value>) -> String {
    let mut doc = serde_json::json!({
        "appId": "app-proxy", "appSecret": SECRET, "appHost": host,
        "redirectUri": "http://127.0.0.1:8976/callback", "timeoutMs": 2000,
        "validateIdToken": false,
    });
    if let Some(proxy) = proxy {
        doc["proxy"] = proxy;
    }
    doc.to_string()
}

fn token_server() -> ScenarioServer {
    ScenarioServer::start(Behaviour::Bytes(http_response(
        "200 OK",
        &[("content-type", "application/json")],
        TOKENS,
    )))
}

/// A refresh on a fresh client (which reads the environment now), then on its async path.
fn client_calls(config: &str) -> Vec<Value> {
    let client = Client::new(config).expect("a valid config");
    vec![
        client.refresh(REFRESH).doc,
        client
            .refresh_async(REFRESH, std::time::Duration::from_secs(10))
            .doc,
    ]
}

#[test]
fn loopback_http_never_goes_through_a_proxy() {
    let proxy = FakeProxy::start();
    let url = proxy.url();
    let _env = env(&[
        ("HTTP_PROXY", &url),
        ("http_proxy", &url),
        ("HTTPS_PROXY", &url),
        ("https_proxy", &url),
        ("ALL_PROXY", &url),
        ("all_proxy", &url),
    ]);
    let server = token_server();
    let mut docs = client_calls(&config(&server.url, None));
    docs.push(ffi::refresh(&config(&server.url, None), REFRESH).doc);
    proxy.assert_unused("loopback http, proxies from the environment");
    // Not even when the config names a proxy.
    docs.extend(client_calls(&config(
        &server.url,
        Some(Value::from(url.clone())),
    )));
    proxy.assert_unused("loopback http, the config's proxy");
    for doc in &docs {
        assert_eq!(code(doc), "ok", "{doc}");
        assert_eq!(doc["tokens"]["access_token"], "at-direct");
    }
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST "))
        .count();
    assert_eq!(
        posts,
        docs.len(),
        "every token call reached the server itself"
    );
}

#[test]
fn loopback_https_never_goes_through_a_proxy() {
    let proxy = FakeProxy::start();
    let url = proxy.url();
    let _env = env(&[("HTTPS_PROXY", &url), ("ALL_PROXY", &url)]);
    // A listener that hangs up at once: the handshake fails, but only after the client
    // connected to it directly.
    let rt = runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let direct = Arc::new(AtomicUsize::new(0));
    let count = direct.clone();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            drop(tcp);
        }
    });
    for host in [
        format!("https://127.0.0.1:{port}"),
        format!("https://localhost:{port}"),
    ] {
        for proxy_key in [None, Some(Value::from(url.clone()))] {
            let what = format!("{host} with proxy {proxy_key:?}");
            let before = direct.load(Ordering::SeqCst);
            for doc in client_calls(&config(&host, proxy_key)) {
                assert_ne!(code(&doc), "ok", "{what}: {doc}");
            }
            proxy.assert_unused(&what);
            assert!(direct.load(Ordering::SeqCst) > before, "{what}: not direct");
        }
    }
}

#[test]
fn config_proxy_tunnels_https_and_keeps_its_password() {
    let _env = env(&[]);
    let proxy = FakeProxy::start();
    let with_password = format!("http://user:{PROXY_PASSWORD}@127.0.0.1:{}", proxy.port);
    let cfg = config("https://idp.example", Some(Value::from(with_password)));

    let mut docs = client_calls(&cfg);
    docs.push(ffi::refresh(&cfg, REFRESH).doc);
    proxy.assert_tunnels_to("idp.example:443", "config proxy");

    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{PROXY_PASSWORD}"));
    // The credentials go to the proxy, in the CONNECT request only...
    for head in proxy.heads() {
        assert!(
            head.to_ascii_lowercase().contains(&format!(
                "proxy-authorization: basic {}",
                basic.to_ascii_lowercase()
            )),
            "{head}"
        );
    }
    // ...and never into a result.
    for doc in &docs {
        assert_ne!(code(doc), "ok", "{doc}");
        assert_no_secret(doc, &[PROXY_PASSWORD, &basic, SECRET, REFRESH]);
        println!("through a refusing proxy: {}", doc["error"]);
    }

    // The one-shot calls keep a pool per proxy setting: "none" does not reuse the proxied one.
    let seen = proxy.connections();
    let direct = ffi::refresh(
        &config("https://idp.example", Some(Value::from("none"))),
        REFRESH,
    )
    .doc;
    assert_ne!(code(&direct), "ok", "{direct}");
    assert_eq!(proxy.connections(), seen, "{:?}", proxy.heads());
}

#[test]
fn none_overrides_the_environment() {
    let proxy = FakeProxy::start();
    let url = proxy.url();
    let _env = env(&[("HTTPS_PROXY", &url), ("ALL_PROXY", &url)]);
    for doc in client_calls(&config("https://idp.invalid", Some(Value::from("none")))) {
        // The name does not resolve; a slow resolver may make it the deadline instead.
        assert!(["connect_failed", "timeout"].contains(&code(&doc)), "{doc}");
        println!("direct to an unknown name: {}", doc["error"]);
    }
    proxy.assert_unused("proxy none");

    // Without the key, the same environment does send it to the proxy.
    client_calls(&config("https://idp.invalid", None));
    proxy.assert_tunnels_to("idp.invalid:443", "environment");
}

#[test]
fn environment_variables_as_curl_reads_them() {
    let _env = env(&[]);
    let target = "https://idp.example";
    // (what, variables with `{proxy}` or `{proxy_authority}` for the fake's, proxied?)
    type Case = (&'static str, &'static [(&'static str, &'static str)], bool);
    let cases: &[Case] = &[
        ("HTTPS_PROXY", &[("HTTPS_PROXY", "{proxy}")], true),
        ("https_proxy", &[("https_proxy", "{proxy}")], true),
        ("ALL_PROXY", &[("ALL_PROXY", "{proxy}")], true),
        ("all_proxy", &[("all_proxy", "{proxy}")], true),
        (
            "without a scheme",
            &[("HTTPS_PROXY", "{proxy_authority}")],
            true,
        ),
        (
            "HTTP_PROXY is for http",
            &[("HTTP_PROXY", "{proxy}")],
            false,
        ),
        (
            "http_proxy is for http",
            &[("http_proxy", "{proxy}")],
            false,
        ),
        (
            "NO_PROXY names the host",
            &[("HTTPS_PROXY", "{proxy}"), ("NO_PROXY", "idp.example")],
            false,
        ),
        (
            "no_proxy names the domain",
            &[
                ("https_proxy", "{proxy}"),
                ("no_proxy", "other.test, .example"),
            ],
            false,
        ),
        (
            "NO_PROXY without the dot",
            &[("ALL_PROXY", "{proxy}"), ("NO_PROXY", "example")],
            false,
        ),
        (
            "NO_PROXY *",
            &[("HTTPS_PROXY", "{proxy}"), ("NO_PROXY", "*")],
            false,
        ),
        (
            "NO_PROXY for other hosts",
            &[
                ("HTTPS_PROXY", "{proxy}"),
                ("NO_PROXY", "dp.example,other.example,10.0.0.0/8"),
            ],
            true,
        ),
    ];
    for (what, vars, proxied) in cases {
        let proxy = FakeProxy::start();
        let (url, authority) = (proxy.url(), format!("127.0.0.1:{}", proxy.port));
        let vars: Vec<(&str, String)> = vars
            .iter()
            .map(|(k, v)| {
                let v = v
                    .replace("{proxy}", &url)
                    .replace("{proxy_authority}", &authority);
                (*k, v)
            })
            .collect();
        set_env(
            &vars
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        );
        for doc in client_calls(&config(target, None)) {
            assert_ne!(code(&doc), "ok", "{what}: {doc}");
        }
        if *proxied {
            proxy.assert_tunnels_to("idp.example:443", what);
        } else {
            proxy.assert_unused(what);
        }
    }

    // The config's proxy wins over the environment's.
    let (from_env, from_config) = (FakeProxy::start(), FakeProxy::start());
    set_env(&[("HTTPS_PROXY", &from_env.url())]);
    client_calls(&config(target, Some(Value::from(from_config.url()))));
    from_env.assert_unused("config over environment");
    from_config.assert_tunnels_to("idp.example:443", "config over environment");
    set_env(&[]);
}

#[test]
fn the_proxy_key_is_checked() {
    let _env = env(&[]);
    for value in [
        serde_json::json!(5),
        serde_json::json!("ftp://x"),
        serde_json::json!("not a url"),
        serde_json::json!(""),
        serde_json::json!("None"),
        serde_json::json!(["http://127.0.0.1:3128"]),
        serde_json::json!(format!("socks5://user:{PROXY_PASSWORD}@127.0.0.1:1080")),
    ] {
        let cfg = config("https://idp.example", Some(value.clone()));
        let docs = [
            Client::new(&cfg).err().expect("refused"),
            ffi::refresh(&cfg, REFRESH).doc,
        ];
        for doc in docs {
            assert_eq!(code(&doc), "invalid_config", "{value}: {doc}");
            let message = doc["error"]["message"].as_str().unwrap();
            assert!(message.contains("`proxy`"), "{value}: {message}");
            assert_no_secret(&doc, &[PROXY_PASSWORD, SECRET]);
        }
    }
    // Valid forms.
    for value in [
        "none",
        "http://127.0.0.1:3128",
        "https://proxy.example:8443",
        "http://user:pw@proxy.example",
    ] {
        let cfg = config("https://idp.example", Some(Value::from(value)));
        assert!(Client::new(&cfg).is_ok(), "{value}");
    }
}
