//! TLS for real: a CA and server certificates made at test time (rcgen), an HTTPS token endpoint
//! on loopback (tokio-rustls with the ring provider, as the library uses), and the library
//! through its C ABI. `caCertPem` with the CA makes the server trusted; without it, with an
//! expired certificate, or with a certificate for another name, the call fails with `tls` (not
//! `connect_failed`), and the server never sees a request, so the secret never crosses.

mod support {
    pub mod canned_server;
    pub mod ffi;
    pub mod scenario_server;
}

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use support::canned_server::{http_response, read_request};
use support::ffi::{self, code, Client};
use support::scenario_server::runtime;

const TOKENS: &[u8] =
    br#"{"access_token":"at-tls","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}"#;
const SECRET: &str = "tls-client-SECRET-42";

struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, format!("libgenauth test CA {name}"));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca {
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

enum Validity {
    Current,
    Expired,
}

/// A server certificate for `names`, signed by `ca`: the chain and key rustls serves.
fn server_cert(
    ca: &Ca,
    names: &[&str],
    validity: Validity,
) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    match validity {
        // rcgen's default validity (1975 to 4096) is current.
        Validity::Current => {}
        Validity::Expired => {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// An HTTPS server on 127.0.0.1 answering every POST with a token document and every GET with
/// 404; counts the requests it could read (after a completed handshake).
struct HttpsServer {
    port: u16,
    requests: Arc<AtomicUsize>,
}

impl HttpsServer {
    fn start(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> HttpsServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let rt = runtime();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, count) = (acceptor.clone(), count.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return; // the client refused the certificate
                    };
                    let request = read_request(&mut tls).await;
                    if request.is_empty() {
                        return;
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    let reply = if request.starts_with("POST ") {
                        http_response("200 OK", &[("content-type", "application/json")], TOKENS)
                    } else {
                        http_response("404 Not Found", &[], b"")
                    };
                    let _ = tls.write_all(&reply).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        HttpsServer { port, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn config(host: &str, ca_pem: Option<&str>) -> String {
    let mut doc = serde_json::json!({
        "appId": "app-tls", "appSecret": SECRET, "appHost": host,
        "redirectUri": "http://127.0.0.1:8976/callback", "timeoutMs": 5000,
        "validateIdToken": false,
    });
    if let Some(pem) = ca_pem {
        doc["caCertPem"] = Value::from(pem);
    }
    doc.to_string()
}

/// The one-shot call, a client's blocking call and its async call; every document.
fn calls(config: &str) -> Vec<Value> {
    let client = Client::new(config).expect("a valid config");
    vec![
        ffi::refresh(config, "rt-1").doc,
        client.refresh("rt-1").doc,
        client
            .refresh_async("rt-1", std::time::Duration::from_secs(10))
            .doc,
    ]
}

fn expect_tls_failure(config: &str, server: &HttpsServer, what: &str) {
    for doc in calls(config) {
        assert_eq!(code(&doc), "tls", "{what}: {doc}");
        assert!(!doc.to_string().contains(SECRET));
        println!("{what}: {}", doc["error"]["message"]);
    }
    assert_eq!(
        server.requests(),
        0,
        "{what}: a request crossed an untrusted connection"
    );
}

#[test]
fn trusted_with_ca_cert_pem() {
    let ca = ca("trusted");
    let (chain, key) = server_cert(&ca, &["localhost"], Validity::Current);
    let server = HttpsServer::start(chain, key);
    let host = format!("https://localhost:{}", server.port);
    for doc in calls(&config(&host, Some(&ca.pem))) {
        assert_eq!(code(&doc), "ok", "{doc}");
        assert_eq!(doc["tokens"]["access_token"], "at-tls");
    }
    assert_eq!(server.requests(), 3);
}

#[test]
fn trusted_with_a_bundle_holding_the_ca() {
    // caCertPem may hold several roots; the right one among others is enough.
    let (other, ca) = (ca("other"), ca("bundle"));
    let (chain, key) = server_cert(&ca, &["localhost"], Validity::Current);
    let server = HttpsServer::start(chain, key);
    let host = format!("https://localhost:{}", server.port);
    let bundle = format!("{}{}", other.pem, ca.pem);
    for doc in calls(&config(&host, Some(&bundle))) {
        assert_eq!(code(&doc), "ok", "{doc}");
    }
}

#[test]
fn untrusted_without_ca_cert_pem_is_tls() {
    let ca = ca("unknown");
    let (chain, key) = server_cert(&ca, &["localhost"], Validity::Current);
    let server = HttpsServer::start(chain, key);
    let host = format!("https://localhost:{}", server.port);
    expect_tls_failure(&config(&host, None), &server, "no caCertPem");
    // Another CA than the one that signed is no better.
    let stranger = self::ca("stranger");
    expect_tls_failure(&config(&host, Some(&stranger.pem)), &server, "another CA");
}

#[test]
fn expired_certificate_is_tls() {
    let ca = ca("expired");
    let (chain, key) = server_cert(&ca, &["localhost"], Validity::Expired);
    let server = HttpsServer::start(chain, key);
    let host = format!("https://localhost:{}", server.port);
    expect_tls_failure(&config(&host, Some(&ca.pem)), &server, "expired");
}

#[test]
fn certificate_for_another_name_is_tls() {
    let ca = ca("names");
    let (chain, key) = server_cert(&ca, &["other.example"], Validity::Current);
    let server = HttpsServer::start(chain, key);
    let host = format!("https://localhost:{}", server.port);
    expect_tls_failure(&config(&host, Some(&ca.pem)), &server, "another name");

    // A certificate for `localhost` does not cover the address 127.0.0.1.
    let (chain, key) = server_cert(&ca, &["localhost"], Validity::Current);
    let server = HttpsServer::start(chain, key);
    let host = format!("https://127.0.0.1:{}", server.port);
    expect_tls_failure(&config(&host, Some(&ca.pem)), &server, "an address");
}

#[test]
fn plain_http_server_behind_an_https_url_is_tls() {
    // A server that speaks HTTP at once, whatever the client says first: the client's TLS
    // handshake reads an HTTP status line where it expects a ServerHello.
    let rt = runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = tcp.write_all(&http_response("200 OK", &[], TOKENS)).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    let host = format!("https://localhost:{port}");
    for doc in calls(&config(&host, None)) {
        assert_eq!(code(&doc), "tls", "{doc}");
    }
}
