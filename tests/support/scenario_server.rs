// Shared by several test crates; each uses only part of it.
#![allow(dead_code)]

//! A hostile token server on loopback, byte for byte under the test's control: it answers every
//! POST (the token call) with one `Behaviour` and every GET (discovery, keys) with another
//! (404 by default), and records what it was sent.
//!
//! It runs on a runtime of its own, on its own threads, so that the test thread can make the
//! blocking C calls (a blocking call made from inside a tokio runtime is refused with
//! `reentrant_call`, as it would be from a library callback).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::canned_server::{http_response, read_request};

#[derive(Clone, Debug)]
pub enum Behaviour {
    /// These bytes, then close (FIN).
    Bytes(Vec<u8>),
    /// Accept, read the request, never answer, never close.
    Silence,
    /// These bytes one at a time, `interval` apart.
    Trickle(Vec<u8>, Duration),
    /// `head`, then `total` filler bytes in 64 KiB writes (without holding them in memory),
    /// then close. With `chunked`, the filler is sent as chunks of a chunked body.
    Stream {
        head: Vec<u8>,
        total: u64,
        chunked: bool,
    },
    /// These bytes, then a TCP reset (SO_LINGER 0) instead of a clean close.
    ResetAfter(Vec<u8>),
    /// A hostile echo: `status` with an OAuth error object whose `error_description` is the
    /// whole request (line, headers, body) as received, then close.
    Echo(&'static str),
}

/// The servers' own runtime, shared by every server of the test binary.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-server")
            .enable_all()
            .build()
            .unwrap()
    })
}

pub struct ScenarioServer {
    pub url: String,
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
}

impl ScenarioServer {
    /// A server on 127.0.0.1 answering POSTs with `post` and GETs with 404.
    pub fn start(post: Behaviour) -> ScenarioServer {
        ScenarioServer::start_on("127.0.0.1:0", post, not_found())
    }

    /// A server answering POSTs with `post` and GETs with `get`.
    pub fn start_with_get(post: Behaviour, get: Behaviour) -> ScenarioServer {
        ScenarioServer::start_on("127.0.0.1:0", post, get)
    }

    pub fn start_on(bind: &str, post: Behaviour, get: Behaviour) -> ScenarioServer {
        let rt = runtime();
        let listener = rt.block_on(TcpListener::bind(bind)).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (log, count) = (requests.clone(), connections.clone());
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (post, get, log) = (post.clone(), get.clone(), log.clone());
                tokio::spawn(async move {
                    serve(stream, post, get, log).await;
                });
            }
        });
        ScenarioServer {
            url: format!("http://{addr}"),
            addr,
            requests,
            connections,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

pub fn not_found() -> Behaviour {
    Behaviour::Bytes(http_response(
        "404 Not Found",
        &[("content-type", "application/json")],
        br#"{"error":"not_found"}"#,
    ))
}

async fn serve(
    mut stream: TcpStream,
    post: Behaviour,
    get: Behaviour,
    log: Arc<Mutex<Vec<String>>>,
) {
    let request = read_request(&mut stream).await;
    let behaviour = if request.starts_with("GET ") {
        get
    } else {
        post
    };
    log.lock().unwrap().push(request.clone());
    match behaviour {
        Behaviour::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Behaviour::Silence => tokio::time::sleep(Duration::from_secs(3600)).await,
        Behaviour::Trickle(bytes, interval) => {
            for b in bytes {
                if stream.write_all(&[b]).await.is_err() || stream.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep(interval).await;
            }
        }
        Behaviour::Stream {
            head,
            total,
            chunked,
        } => {
            if stream.write_all(&head).await.is_err() {
                return;
            }
            let piece = vec![b' '; 64 * 1024];
            let mut sent = 0u64;
            while sent < total {
                let n = (total - sent).min(piece.len() as u64) as usize;
                let written = if chunked {
                    let mut framed = format!("{n:x}\r\n").into_bytes();
                    framed.extend_from_slice(&piece[..n]);
                    framed.extend_from_slice(b"\r\n");
                    stream.write_all(&framed).await
                } else {
                    stream.write_all(&piece[..n]).await
                };
                if written.is_err() {
                    return; // the client hung up: what a bounded reader does
                }
                sent += n as u64;
            }
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n").await;
            }
            let _ = stream.shutdown().await;
        }
        Behaviour::Echo(status) => {
            let body = serde_json::json!({"error": "invalid_grant", "error_description": request});
            let reply = http_response(
                status,
                &[("content-type", "application/json")],
                body.to_string().as_bytes(),
            );
            let _ = stream.write_all(&reply).await;
            let _ = stream.shutdown().await;
        }
        Behaviour::ResetAfter(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            // Let the bytes reach the client before the reset discards what is unsent.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = stream.set_zero_linger();
            drop(stream);
        }
    }
}
