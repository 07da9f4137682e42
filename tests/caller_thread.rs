//! Blocking calls run on the caller's thread, with that thread's own connections: no worker
//! thread is started for them, each calling thread keeps its own keep-alive connection per
//! client, and the connections of a thread that exits, or of a client that is freed, are closed.
//!
//! No test in this file makes an `_async` call: one asserts that the process has no worker
//! thread of the shared runtime.

mod support {
    pub mod canned_server;
    pub mod ffi;
}

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use support::canned_server::read_request;
use support::ffi::{refresh, Client};

const TOKENS: &str =
    r#"{"access_token":"at-2","refresh_token":"rt-2","token_type":"Bearer","expires_in":600}"#;

/// A token endpoint that keeps connections open (HTTP/1.1 keep-alive) and counts them.
struct KeepAliveServer {
    url: String,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
}

/// Closes the count of one connection when its task ends.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl KeepAliveServer {
    fn start() -> KeepAliveServer {
        let accepted = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let (a, o) = (accepted.clone(), open.clone());
        let listener = server_runtime()
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        server_runtime().spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                o.fetch_add(1, Ordering::SeqCst);
                let open = Open(o.clone());
                tokio::spawn(async move {
                    let _open = open;
                    loop {
                        if read_request(&mut stream).await.is_empty() {
                            return; // the client closed the connection
                        }
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{TOKENS}",
                            TOKENS.len()
                        );
                        if stream.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        KeepAliveServer {
            url,
            accepted,
            open,
        }
    }

    fn config(&self) -> String {
        format!(
            r#"{{"appId":"app-1","appSecret":"client-secret-0123","appHost":"{}","validateIdToken":false}}"#,
            self.url
        )
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Waits (at most 5 s) until at most `n` connections are open; returns how many are.
    fn wait_open_at_most(&self, n: usize) -> usize {
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            let open = self.open.load(Ordering::SeqCst);
            if open <= n || Instant::now() > until {
                return open;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The server's own threads; the test threads make the blocking C calls.
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("test-server")
            .enable_all()
            .build()
            .unwrap()
    })
}

fn assert_ok(client: &Client) {
    let doc = client.refresh("rt-1").doc;
    assert_eq!(doc["ok"], true, "{doc}");
}

fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .collect()
}

#[test]
fn blocking_calls_start_no_worker_thread() {
    let server = KeepAliveServer::start();
    let client = Client::new(&server.config()).unwrap();
    for _ in 0..20 {
        assert_ok(&client);
    }
    let doc = refresh(&server.config(), "rt-1").doc;
    assert_eq!(doc["ok"], true, "{doc}");
    let names = thread_names();
    assert!(
        !names.iter().any(|n| n.starts_with("genauth")),
        "threads: {names:?}"
    );
}

#[test]
fn each_calling_thread_keeps_one_connection_per_client() {
    let server = KeepAliveServer::start();
    let client = Arc::new(Client::new(&server.config()).unwrap());
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            std::thread::spawn(move || {
                for _ in 0..25 {
                    assert_ok(&client);
                }
                // Alive until all have called: an exited thread's connection would be closed.
                barrier.wait();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(server.accepted(), 4, "one keep-alive connection per thread");
}

#[test]
fn the_connections_of_exited_threads_are_closed() {
    let server = KeepAliveServer::start();
    let client = Arc::new(Client::new(&server.config()).unwrap());
    for round in 0..4 {
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let client = client.clone();
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        assert_ok(&client);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(server.wait_open_at_most(0), 0, "round {round}");
    }
    assert_eq!(server.accepted(), 64);
}

#[test]
fn a_client_freed_on_another_thread_has_its_connection_closed_at_the_threads_next_call() {
    let server = KeepAliveServer::start();
    let first = Arc::new(Client::new(&server.config()).unwrap());
    let second = Arc::new(Client::new(&server.config()).unwrap());
    let (to_thread, from_main) = std::sync::mpsc::channel::<()>();
    let (to_main, from_thread) = std::sync::mpsc::channel::<usize>();
    let caller = {
        let (first, second) = (first.clone(), second.clone());
        std::thread::spawn(move || {
            assert_ok(&first);
            drop(first);
            to_main
                .send(genauth::core::testing::pools_on_this_thread())
                .unwrap();
            // Meanwhile the main thread frees `first`.
            from_main.recv().unwrap();
            assert_ok(&second);
            to_main
                .send(genauth::core::testing::pools_on_this_thread())
                .unwrap();
            from_main.recv().unwrap();
        })
    };
    assert_eq!(from_thread.recv().unwrap(), 1);
    drop(first); // genauth_client_free, on this thread
    assert_eq!(
        server.wait_open_at_most(1),
        1,
        "kept until that thread's next call"
    );
    to_thread.send(()).unwrap();
    assert_eq!(
        from_thread.recv().unwrap(),
        1,
        "the freed client's pool is gone"
    );
    assert_eq!(server.accepted(), 2);
    assert_eq!(
        server.wait_open_at_most(1),
        1,
        "the freed client's connection is closed"
    );
    to_thread.send(()).unwrap();
    caller.join().unwrap();
    assert_eq!(server.wait_open_at_most(0), 0, "the thread exited");
}
