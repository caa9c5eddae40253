//! The test server (a tiny random encoder over the fixture catalog, or the
//! pretrained one), a minimal HTTP/1.1 client and captured logs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use burn::prelude::Device;
use jobfit_match::{Catalog, IndexOptions, JobIndex, Matcher, ProgressMode};
use jobfit_model::{BatchOptions, BertConfig, BertModel, EmbedderOptions, TextEmbedder};
use jobfit_serve::{ServeConfig, Service, hash_key};
use jobfit_text::TextTokenizer;

/// The key with scopes read and write.
pub const WRITER_KEY: &str = "writer-0123456789abcdef0123456789abcdef";
/// The key with scope read.
pub const READER_KEY: &str = "reader-0123456789abcdef0123456789abcdef";

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A tiny random encoder (width 16) with micro-batching.
pub fn tiny_embedder() -> TextEmbedder {
    let tokenizer = TextTokenizer::from_file(fixture("tiny-tokenizer.json")).expect("tokenizer");
    let config = BertConfig::tiny(tokenizer.vocab_size());
    let model = BertModel::init(&config, &Device::flex()).expect("tiny model");
    let options = EmbedderOptions {
        max_length: Some(32),
        batch_size: Some(8),
        ..Default::default()
    };
    TextEmbedder::from_parts(
        model,
        tokenizer,
        config,
        options,
        "tiny",
        "tiny-a",
        &Device::flex(),
    )
    .expect("tiny embedder")
    .with_micro_batching(BatchOptions::default())
    .expect("batching")
}

/// The fixture catalog indexed by `embedder`.
pub fn matcher(embedder: TextEmbedder) -> Matcher {
    let embedder = Arc::new(embedder);
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).expect("fixture catalog");
    let options = IndexOptions::default().with_progress(ProgressMode::Never);
    let index = JobIndex::build(catalog, &embedder, &options).expect("index");
    Matcher::new(index, embedder).expect("matcher")
}

/// The fixture catalog indexed by `embedder`, saved in `dir` and opened
/// live there (changes are written to `dir`), as `jobfit serve --index`.
pub fn live_matcher(embedder: TextEmbedder, dir: &std::path::Path) -> Matcher {
    let embedder = Arc::new(embedder);
    let catalog = Catalog::from_jsonl(fixture("jobs.jsonl")).expect("fixture catalog");
    let options = IndexOptions::default().with_progress(ProgressMode::Never);
    JobIndex::build(catalog, &embedder, &options)
        .expect("index")
        .save(dir)
        .expect("save");
    let index = JobIndex::open(dir).expect("open");
    Matcher::from_index(Arc::new(index), embedder).expect("matcher")
}

/// A server running on its own runtime until dropped or shut down.
pub struct TestServer {
    pub addr: SocketAddr,
    pub service: Service,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts the server with `config` (its keys file is written here: the
    /// writer and reader keys) over the tiny model.
    pub fn start(config: ServeConfig) -> Self {
        Self::start_with(config, matcher(tiny_embedder()))
    }

    /// Starts the server over `matcher`.
    pub fn start_with(mut config: ServeConfig, matcher: Matcher) -> Self {
        capture_logs();
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys.toml");
        std::fs::write(
            &keys,
            format!(
                "[[key]]\nname = \"writer\"\nsha256 = \"{}\"\nscopes = [\"read\", \"write\"]\n\n\
                 [[key]]\nname = \"reader\"\nsha256 = \"{}\"\nscopes = [\"read\"]\n",
                hash_key(WRITER_KEY),
                hash_key(READER_KEY)
            ),
        )
        .unwrap();
        if config.keys.is_none() {
            config.keys = Some(keys);
        }
        let service = Service::new(&config, matcher).expect("service");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let running = service.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                running
                    .run(listener, async move {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Self {
            addr,
            service,
            shutdown: Some(tx),
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// Begins the graceful shutdown (as SIGTERM does).
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Shuts down and waits for the server to stop.
    pub fn stop(mut self) {
        self.begin_shutdown();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }

    /// A request with the writer key.
    pub fn call(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> Reply {
        self.call_as(Some(WRITER_KEY), method, path, content_type, body)
    }

    /// A request with `key` (or none).
    pub fn call_as(
        &self,
        key: Option<&str>,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Reply {
        let mut headers = Vec::new();
        let auth;
        if let Some(key) = key {
            auth = format!("Bearer {key}");
            headers.push(("authorization", auth.as_str()));
        }
        if !content_type.is_empty() {
            headers.push(("content-type", content_type));
        }
        request(self.addr, method, path, &headers, body).expect("the server answers")
    }

    /// A JSON POST with the writer key.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.call(
            "POST",
            path,
            "application/json",
            body.to_string().as_bytes(),
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.begin_shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code: {}", String::from_utf8_lossy(&self.body)))
            .to_string()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on a fresh connection (`Connection: close`).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    // The server may answer (413) before reading a large body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> std::io::Result<Reply> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| invalid("no header end"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| invalid("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest
                .windows(2)
                .position(|window| window == b"\r\n")
                .ok_or_else(|| invalid("bad chunk"))?;
            let size = usize::from_str_radix(
                std::str::from_utf8(&rest[..line_end])
                    .map_err(|_| invalid("bad chunk"))?
                    .trim(),
                16,
            )
            .map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                break;
            }
            let start = line_end + 2;
            out.extend_from_slice(&rest[start..start + size]);
            rest = &rest[start + size + 2..];
        }
        body = out;
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A multipart/form-data body: (field name, file name, bytes) parts.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "jobfit-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file) => body.extend_from_slice(
                format!(
                    "content-disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     content-type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("content-disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Everything the servers of this test binary logged.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.get_or_init(Default::default).lock().unwrap()).into_owned()
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line (JSON, as the service writes them) to [`logs`].
fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let buffer = Arc::clone(LOGS.get_or_init(Default::default));
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || LogWriter(Arc::clone(&buffer)))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}
