//! The core client against a canned loopback server: what goes on the wire, and what comes
//! back from replies a real provider would not send.

mod support {
    pub mod canned_server;
    pub mod outcome;
}

use genauth::core::{Client, Config, ExchangeOptions};
use std::time::{Duration, Instant};
use support::canned_server::{http_response, CannedServer, Reply};
use support::outcome::outcome;

const SECRET: &str = "s3cret-VALUE-9f8e7d";
const CODE: &str = "one-time-CODE-5a4b3c";
const REFRESH: &str = "refresh-TOKEN-1d2e3f";

fn client(host: &str, extra: &str) -> Client {
    let json = format!(
        r#"{{"appId":"app-1","appSecret":"{SECRET}","appHost":"{host}",
            "redirectUri":"http://127.0.0.1:8976/callback"{extra}}}"#
    );
    Client::new(Config::from_json(&json).unwrap()).unwrap()
}

async fn exchange(client: &Client) -> serde_json::Value {
    outcome(
        client
            .exchange_code(CODE, &ExchangeOptions::default())
            .await,
    )
}

#[tokio::test]
async fn basic_auth_request_on_the_wire() {
    let body = br#"{"access_token":"at","token_type":"Bearer","expire_in":60,"extra":true}"#;
    let server = CannedServer::start(Reply::Bytes(http_response("200 OK", &[], body))).await;
    let c = client(
        &server.url,
        r#","tokenEndPointAuthMethod":"client_secret_basic""#,
    );
    let tokens = c.refresh(REFRESH).await.unwrap();
    assert_eq!(tokens.expires_in, Some(60));
    assert_eq!(tokens.extra["extra"], true);
    assert!(tokens.expires_at.unwrap() > 1_700_000_000);

    let requests = server.requests();
    let request = requests
        .iter()
        .find(|r| r.starts_with("POST "))
        .expect("a POST reached the server");
    let lower = request.to_ascii_lowercase();
    assert!(
        request.starts_with("POST /oidc/token HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(lower.contains("content-type: application/x-www-form-urlencoded\r\n"));
    assert!(lower.contains("accept: application/json\r\n"));
    assert!(lower.contains("x-genauth-app-id: app-1\r\n"));
    assert!(lower.contains("authorization: basic "));
    assert!(
        request.ends_with("\r\n\r\ngrant_type=refresh_token&refresh_token=refresh-TOKEN-1d2e3f")
    );
}

#[tokio::test]
async fn echoed_secrets_never_reach_the_error_document() {
    let echo = format!(
        r#"{{"error":"invalid_client {SECRET}","error_description":"secret {SECRET} code {CODE} basic czNjcmV0"}}"#
    );
    let server = CannedServer::start(Reply::Bytes(http_response(
        "401 Unauthorized",
        &[],
        echo.as_bytes(),
    )))
    .await;
    for extra in ["", r#","tokenEndPointAuthMethod":"client_secret_basic""#] {
        let doc = exchange(&client(&server.url, extra)).await.to_string();
        assert!(doc.contains("oauth_error"), "{doc}");
        assert!(doc.contains("\"http_status\":401"), "{doc}");
        assert!(!doc.contains(SECRET) && !doc.contains(CODE), "{doc}");
    }
    let doc = outcome(client(&server.url, "").refresh(REFRESH).await).to_string();
    assert!(!doc.contains(SECRET), "{doc}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let target = CannedServer::start(Reply::Bytes(http_response("200 OK", &[], b"{}"))).await;
    let location = format!("{}/steal", target.url);
    let server = CannedServer::start(Reply::Bytes(http_response(
        "307 Temporary Redirect",
        &[("location", &location)],
        b"",
    )))
    .await;
    let doc = exchange(&client(&server.url, "")).await;
    assert_eq!(doc["error"]["code"], "http_status");
    assert_eq!(doc["error"]["http_status"], 307);
    assert_eq!(
        target.connection_count(),
        0,
        "the redirect target was contacted"
    );
}

#[tokio::test]
async fn oversized_reply_is_refused() {
    let big = vec![b' '; 2 * 1024 * 1024];
    let server = CannedServer::start(Reply::Bytes(http_response("200 OK", &[], &big))).await;
    let doc = exchange(&client(&server.url, "")).await;
    assert_eq!(doc["error"]["code"], "invalid_response");
}

#[tokio::test]
async fn silent_server_times_out_at_the_deadline() {
    let server = CannedServer::start(Reply::Silence).await;
    let started = Instant::now();
    let doc = exchange(&client(&server.url, r#","timeoutMs":300"#)).await;
    assert_eq!(doc["error"]["code"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn html_error_page_is_an_http_status() {
    let server = CannedServer::start(Reply::Bytes(http_response(
        "502 Bad Gateway",
        &[("content-type", "text/html")],
        b"<html><body>Bad Gateway</body></html>",
    )))
    .await;
    let doc = exchange(&client(&server.url, "")).await;
    assert_eq!(doc["error"]["code"], "http_status");
    assert_eq!(doc["error"]["http_status"], 502);
}

#[tokio::test]
async fn refused_connection_is_connect_failed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let doc = exchange(&client(&url, "")).await;
    assert_eq!(doc["error"]["code"], "connect_failed", "{doc}");
}

/// A form with no fields (a device authorization with Basic authentication and no scope) still
/// says `content-length: 0`: without it a provider sees no form body at all and refuses the
/// request ("only application/x-www-form-urlencoded content-type bodies are supported").
#[tokio::test]
async fn an_empty_form_is_sent_with_content_length_zero() {
    let body = br#"{"device_code":"dc","user_code":"UC","verification_uri":"https://x/device","expires_in":600}"#;
    let server = CannedServer::start(Reply::Bytes(http_response("200 OK", &[], body))).await;
    let c = client(
        &server.url,
        r#","tokenEndPointAuthMethod":"client_secret_basic""#,
    );
    let _ = c.device_start(&Default::default()).await;
    let requests = server.requests();
    let request = requests
        .iter()
        .find(|r| r.starts_with("POST "))
        .expect("a POST reached the server");
    let lower = request.to_ascii_lowercase();
    assert!(lower.contains("content-length: 0\r\n"), "{request}");
    assert!(lower.ends_with("\r\n\r\n"), "{request}");
}
