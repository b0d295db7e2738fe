//! A stand-in chat provider: an HTTP endpoint on a free port that records every message the
//! notification context delivers to it (its `kakao_endpoint`), so a test can count deliveries.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub struct ChatSink {
    port: u16,
    received: Arc<Mutex<Vec<Value>>>,
    stop: Arc<AtomicBool>,
    hanging: Arc<AtomicBool>,
}

impl ChatSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the chat sink");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let hanging = Arc::new(AtomicBool::new(false));
        let (r, s, h) = (received.clone(), stop.clone(), hanging.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) if h.load(Ordering::Relaxed) => {
                        // Accepts the connection and never answers: holds it until the sink
                        // recovers (or stops), then drops it unanswered. Nothing is recorded.
                        let (h, s) = (h.clone(), s.clone());
                        std::thread::spawn(move || {
                            while h.load(Ordering::Relaxed) && !s.load(Ordering::Relaxed) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            drop(stream);
                        });
                    }
                    Ok((stream, _)) => {
                        let r = r.clone();
                        std::thread::spawn(move || serve(stream, &r));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self {
            port,
            received,
            stop,
            hanging,
        }
    }

    /// While `true`, the endpoint accepts connections and never answers them (a hung provider).
    pub fn hang(&self, hanging: bool) {
        self.hanging.store(hanging, Ordering::Relaxed);
    }

    /// `http://127.0.0.1:<port>`: while hanging, also a stand-in for any endpoint that never
    /// answers (a context's `*_url`).
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The Spin variables that point the notification context at this sink.
    pub fn variables(&self) -> Vec<(String, String)> {
        let origin = self.origin();
        vec![
            ("kakao_endpoint".into(), format!("{origin}/send")),
            ("kakao_allowed_host".into(), origin),
        ]
    }

    /// Every message body received so far.
    pub fn messages(&self) -> Vec<Value> {
        self.received.lock().expect("chat sink lock").clone()
    }
}

impl Drop for ChatSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads one HTTP/1.1 request, records its JSON body, answers 200 (a message counts as delivered
/// only once it is answered).
fn serve(stream: TcpStream, received: &Mutex<Vec<Value>>) {
    stream.set_nonblocking(false).ok();
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(&stream);
    let mut length = 0usize;
    let mut chunked = false;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("transfer-encoding")
            && value.trim().eq_ignore_ascii_case("chunked")
        {
            chunked = true;
        }
    }
    let body = if chunked {
        match read_chunked(&mut reader) {
            Some(body) => body,
            None => return,
        }
    } else {
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        body
    };
    if let Ok(message) = serde_json::from_slice::<Value>(&body) {
        received.lock().expect("chat sink lock").push(message);
    }
    let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
    (&stream).write_all(reply.as_bytes()).ok();
}

fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let size = usize::from_str_radix(line.trim().split(';').next()?, 16).ok()?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}
