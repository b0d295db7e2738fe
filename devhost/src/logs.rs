//! Component stdout/stderr: each complete line goes to the console prefixed with the component
//! id, and verbatim to `<state-dir>/logs/<component>_stdout.txt` / `_stderr.txt` (Spin's layout).

use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

#[derive(Clone, Copy, PartialEq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One component's output stream, shared by all its instances.
#[derive(Clone)]
pub struct ComponentLog {
    inner: Arc<Mutex<Sink>>,
}

struct Sink {
    prefix: String,
    stream: Stream,
    file: Option<std::fs::File>,
    quiet: bool,
}

impl ComponentLog {
    /// # Errors
    /// The log file cannot be created.
    pub fn open(dir: &Path, component: &str, stream: Stream, quiet: bool) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let suffix = if stream == Stream::Stdout {
            "stdout"
        } else {
            "stderr"
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{component}_{suffix}.txt")))?;
        Ok(Self {
            inner: Arc::new(Mutex::new(Sink {
                prefix: format!("[{component}] "),
                stream,
                file: Some(file),
                quiet,
            })),
        })
    }

    fn write_all(&self, buf: &[u8]) {
        let mut sink = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = sink.file.as_mut()
            && let Err(err) = file.write_all(buf)
        {
            eprintln!("devhost: cannot write component log: {err}");
            sink.file = None;
        }
        if sink.quiet {
            return;
        }
        let mut text = String::new();
        for line in String::from_utf8_lossy(buf).split_inclusive('\n') {
            text.push_str(&sink.prefix);
            text.push_str(line);
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
        // Console output is best effort: a closed terminal must not fail the guest.
        let result = match sink.stream {
            Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
        };
        if result.is_err() {
            sink.quiet = true;
        }
    }
}

/// Per-instance writer: buffers a partial line so lines are not split across prefixes.
struct LineWriter {
    log: ComponentLog,
    pending: Vec<u8>,
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.log.write_all(&std::mem::take(&mut self.pending));
        }
    }
}

impl LineWriter {
    fn push(&mut self, buf: &[u8]) {
        self.pending.extend_from_slice(buf);
        if let Some(last_newline) = self.pending.iter().rposition(|b| *b == b'\n') {
            let rest = self.pending.split_off(last_newline + 1);
            let complete = std::mem::replace(&mut self.pending, rest);
            self.log.write_all(&complete);
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.get_mut().push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for ComponentLog {
    fn is_terminal(&self) -> bool {
        false
    }
}

/// The guest's WASI output stream, written synchronously: a line costs one file write on the
/// guest's own thread. (wasmtime-wasi's default adapter over an `AsyncWrite` hands each write to a
/// background task, and the guest's `blocking-write-and-flush` waits until the runtime schedules
/// it: ~2.5 ms per log line measured when the runtime was busy.)
impl OutputStream for LineWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[async_trait::async_trait]
impl Pollable for LineWriter {
    /// Always ready: writes complete when they are made.
    async fn ready(&mut self) {}
}

impl ComponentLog {
    fn writer(&self) -> LineWriter {
        LineWriter {
            log: self.clone(),
            pending: Vec::new(),
        }
    }
}

impl StdoutStream for ComponentLog {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.writer())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.writer())
    }
}
