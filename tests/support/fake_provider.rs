// Shared by several test crates; each uses only part of it.
#![allow(dead_code)]

//! A provider whose every answer the test decides: discovery, JWKS and token endpoint served
//! from a table that the test may change between calls, with a count of hits per path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::canned_server::{http_response, read_request};

#[derive(Default)]
struct State {
    routes: HashMap<String, (String, Vec<u8>)>,
    /// Replies served once each, in order, before the route's.
    queued: HashMap<String, std::collections::VecDeque<(String, Vec<u8>)>>,
    hits: HashMap<String, usize>,
    /// Every request, whole (head and body), with when it came.
    requests: Vec<(String, std::time::Instant)>,
}

#[derive(Clone)]
pub struct FakeProvider {
    pub url: String,
    state: Arc<Mutex<State>>,
}

pub const DISCOVERY: &str = "/oidc/.well-known/openid-configuration";
pub const JWKS: &str = "/oidc/.well-known/jwks.json";
pub const TOKEN: &str = "/oidc/token";

impl FakeProvider {
    /// Starts with a GenAuth-shaped discovery document; JWKS and token replies are the test's.
    pub async fn start() -> FakeProvider {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let provider = FakeProvider {
            url: url.clone(),
            state: Arc::default(),
        };
        provider.set(
            DISCOVERY,
            "200 OK",
            &provider.discovery_document(&format!("{url}/oidc")),
        );
        let state = provider.state.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let request = read_request(&mut stream).await;
                    let path = request
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or("")
                        .split('?')
                        .next()
                        .unwrap_or("")
                        .to_owned();
                    let reply = {
                        let mut s = state.lock().unwrap();
                        *s.hits.entry(path.clone()).or_default() += 1;
                        s.requests
                            .push((request.clone(), std::time::Instant::now()));
                        match s.queued.get_mut(&path).and_then(|q| q.pop_front()) {
                            Some(reply) => Some(reply),
                            None => s.routes.get(&path).cloned(),
                        }
                    };
                    let bytes = match reply {
                        Some((status, body)) => {
                            http_response(&status, &[("content-type", "application/json")], &body)
                        }
                        None => http_response("404 Not Found", &[], b""),
                    };
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        provider
    }

    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.url)
    }

    pub fn discovery_document(&self, issuer: &str) -> String {
        format!(
            r#"{{"issuer":"{issuer}","token_endpoint":"{u}/oidc/token","jwks_uri":"{u}{JWKS}"}}"#,
            u = self.url
        )
    }

    pub fn set(&self, path: &str, status: &str, body: &str) {
        self.state.lock().unwrap().routes.insert(
            path.to_owned(),
            (status.to_owned(), body.as_bytes().to_vec()),
        );
    }

    /// Serves this reply once, before any other queued one and before the route's.
    pub fn queue(&self, path: &str, status: &str, body: &str) {
        self.state
            .lock()
            .unwrap()
            .queued
            .entry(path.to_owned())
            .or_default()
            .push_back((status.to_owned(), body.as_bytes().to_vec()));
    }

    /// The requests to `path` so far (head and body), with when each came.
    pub fn requests(&self, path: &str) -> Vec<(String, std::time::Instant)> {
        let prefix = format!(" {path}");
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(r, _)| {
                r.lines().next().is_some_and(|l| {
                    l.contains(&format!("{prefix} ")) || l.contains(&format!("{prefix}?"))
                })
            })
            .cloned()
            .collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}
