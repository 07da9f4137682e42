// Shared by several test crates; each uses only part of it.
#![allow(dead_code)]

//! A loopback HTTP server that answers every request with fixed bytes and records what it was
//! sent, for checking the library's requests and its handling of odd replies.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
pub enum Reply {
    /// These bytes, then close.
    Bytes(Vec<u8>),
    /// Accept, read the request, never answer.
    Silence,
}

pub struct CannedServer {
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<usize>>,
}

impl CannedServer {
    pub async fn start(reply: Reply) -> CannedServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let (req_log, conn_count) = (requests.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                *conn_count.lock().unwrap() += 1;
                let (reply, log) = (reply.clone(), req_log.clone());
                tokio::spawn(serve(stream, reply, log));
            }
        });
        CannedServer {
            url,
            requests,
            connections,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    pub fn connection_count(&self) -> usize {
        *self.connections.lock().unwrap()
    }
}

async fn serve(mut stream: TcpStream, reply: Reply, log: Arc<Mutex<Vec<String>>>) {
    let request = read_request(&mut stream).await;
    log.lock().unwrap().push(request);
    match reply {
        Reply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Reply::Silence => tokio::time::sleep(Duration::from_secs(3600)).await,
    }
}

pub async fn read_request(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut data = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    // (end of the head, declared body length), once the head is complete.
    let mut head: Option<(usize, usize)> = None;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        data.extend_from_slice(&buf[..n]);
        if head.is_none() {
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&data[..end]);
                let length = text
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                head = Some((end, length));
            }
        }
        if let Some((end, length)) = head {
            if data.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

/// A complete HTTP/1.1 response.
pub fn http_response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}
