//! Component stdout/stderr: each complete line goes to the console prefixed with the component
//! id, and verbatim to `<state-dir>/logs/<component>_stdout.txt` / `_stderr.txt` (Spin's layout).

use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

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

impl AsyncWrite for LineWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.pending.extend_from_slice(buf);
        if let Some(last_newline) = this.pending.iter().rposition(|b| *b == b'\n') {
            let rest = this.pending.split_off(last_newline + 1);
            let complete = std::mem::replace(&mut this.pending, rest);
            this.log.write_all(&complete);
        }
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

impl StdoutStream for ComponentLog {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            log: self.clone(),
            pending: Vec::new(),
        })
    }
}
