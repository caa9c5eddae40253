//! Load harness for the service, loopback only, bounded in requests and time.
//!
//! In one process and one run it measures:
//! 1. the bare library: the encoder embedding the resumes in batches of 32
//!    (resumes/s), and `Matcher::rank_many` in batches of 32 (embedding and
//!    search, no explanations);
//! 2. the service on 127.0.0.1: `POST /v1/recommend` (JSON resume text,
//!    `explain: false`, otherwise the defaults) at concurrency 1, 8 and 32,
//!    requests/s and p50 / p99 latency, and the ratio to (1);
//! 3. the same levels again with a concurrent stream of job upserts
//!    (`PUT /v1/jobs/{id}`, one O*NET job with a changed text each, so each
//!    is embedded and written to the change log; `--upsert-rate` a second),
//!    next to the bare library's `rank_many` under the same stream of
//!    upserts (`JobIndex::upsert` on a copy of the index): the upserts'
//!    embedding takes its share of the cores in both;
//! 4. optionally (`--soak SECS`) a soak of mixed requests (text and file
//!    resumes, screenings, job upserts and reads) at concurrency 8, printing
//!    the resident memory after the first minute and at the end.
//!
//! The service serves a live copy of the index (as `jobfit serve --index`):
//! upserts are durable before they are answered.
//!
//! Resumes: the shared LiveCareer texts (`../shared/data/resumes-livecareer/
//! train.csv`); catalog: the bundled O*NET occupations (embedded once and
//! cached under `target/load-cache`).
//!
//! ```text
//! cargo bench -p jobfit-serve --bench load -- [--requests 192] [--resumes 256]
//!     [--levels 1,8,32] [--upsert-rate 5] [--no-batching] [--explain] [--soak 600]
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use burn::prelude::Device;
use jobfit_match::{
    Catalog, IndexOptions, JobIndex, Matcher, ProgressMode, RecommendOptions, cached_index_dir,
};
use jobfit_model::{BatchOptions, TextEmbedder};
use jobfit_serve::{ServeConfig, Service};
use jobfit_text::{Cleaner, ReadOptions, ResumeColumns, read_resumes_csv};

struct Args {
    requests: usize,
    resumes: usize,
    levels: Vec<usize>,
    batching: bool,
    explain: bool,
    upsert_rate: f64,
    soak: u64,
}

fn args() -> Args {
    let mut out = Args {
        requests: 192,
        resumes: 256,
        levels: vec![1, 8, 32],
        batching: true,
        explain: false,
        upsert_rate: 5.0,
        soak: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().expect("a value after the flag");
        match arg.as_str() {
            "--requests" => out.requests = value().parse().expect("--requests N"),
            "--resumes" => out.resumes = value().parse().expect("--resumes N"),
            "--levels" => {
                out.levels = value()
                    .split(',')
                    .filter(|level| !level.is_empty())
                    .map(|level| level.parse().expect("--levels 1,8,32"))
                    .collect();
            }
            "--no-batching" => out.batching = false,
            "--explain" => out.explain = true,
            "--soak" => out.soak = value().parse().expect("--soak SECS"),
            "--upsert-rate" => out.upsert_rate = value().parse().expect("--upsert-rate N"),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    out
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() {
    // As `jobfit serve` does (unless the allocator is set in the environment).
    let tuned = jobfit_serve::tune_allocator();
    let args = args();
    let model = std::env::var_os("JOBFIT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("models/all-MiniLM-L6-v2"));
    let data = std::env::var_os("JOBFIT_RESUMES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/data/resumes-livecareer/train.csv"));
    let resumes: Vec<String> =
        read_resumes_csv(&data, &ResumeColumns::default(), ReadOptions::default())
            .expect("the LiveCareer resumes")
            .take(args.resumes)
            .map(|resume| resume.expect("a resume").text)
            .collect();
    println!(
        "machine: {} cores, {} ({}); load at start: {}; backend: flex (the default CPU engine); allocator {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        cpu_features(),
        load_average(),
        if tuned {
            "tuned as by jobfit serve"
        } else {
            "as the environment sets it"
        }
    );
    println!(
        "{} LiveCareer resumes, O*NET catalog, model {}, micro-batching {}, explain {}",
        resumes.len(),
        model.display(),
        if args.batching { "on" } else { "off" },
        args.explain
    );
    let device = Device::flex();
    let plain = TextEmbedder::from_dir(&model, &device).expect("the model");
    let catalog = Catalog::onet();
    // Resumes are long queries, scored without the job names: skip them.
    let index_options = IndexOptions::default()
        .with_fields(Catalog::onet_fields())
        .with_names(false)
        .with_progress(ProgressMode::Never);
    let cache = cached_index_dir(
        &repo().join("target/load-cache"),
        "onet",
        plain.identity(),
        &index_options,
    );
    let (index, built) =
        JobIndex::load_or_build(&cache, catalog, &plain, &index_options).expect("the index");
    println!(
        "index: {} jobs ({})",
        index.len(),
        if built { "built" } else { "cached" }
    );
    drop(index);
    let index = Arc::new(JobIndex::load(&cache).expect("the cached index"));
    // The service changes a copy, so that the cache stays the catalog.
    let live = tempfile::tempdir().expect("a temporary directory");
    let live_dir = live.path().join("index");
    copy_dir(&cache, &live_dir);

    let jobs = Arc::new(catalog.jobs().to_vec());
    // 1. The bare library (not needed for a soak alone: `--levels ""`).
    let (encoder_rate, rank_rate, rank_upserts_rate) = if args.levels.is_empty() {
        (0.0, 0.0, 0.0)
    } else {
        let cleaner = Cleaner::default();
        let cleaned: Vec<String> = resumes.iter().map(|text| cleaner.clean(text)).collect();
        let refs: Vec<&str> = cleaned.iter().map(String::as_str).collect();
        plain.embed(&refs[..refs.len().min(32)]).expect("warm-up");
        let started = Instant::now();
        for batch in refs.chunks(32) {
            plain.embed(batch).expect("embedding");
        }
        let encoder_rate = refs.len() as f64 / started.elapsed().as_secs_f64();
        let plain = Arc::new(plain);
        let library = Matcher::from_index(Arc::clone(&index), Arc::clone(&plain)).expect("matcher");
        let options = RecommendOptions::default().with_explain(args.explain);
        // Resumes a second of `rank_many` in batches of 32.
        let rank_rate_of = |library: &Matcher| {
            let started = Instant::now();
            for batch in refs.chunks(32) {
                library
                    .rank_many(batch, &options, ProgressMode::Never)
                    .expect("ranking");
            }
            refs.len() as f64 / started.elapsed().as_secs_f64()
        };
        let rank_rate = rank_rate_of(&library);
        println!(
            "library: encoder in batches of 32 {encoder_rate:.1} resumes/s; rank_many in batches of 32 {rank_rate:.1} resumes/s"
        );
        drop(library);
        // The library under the same stream of upserts (on a copy of the index),
        // the baseline of the service's run with upserts: the upserts' embedding
        // takes its share of the same two cores in both.
        let upserted = tempfile::tempdir().expect("a temporary directory");
        copy_dir(&cache, &upserted.path().join("index"));
        let upserted_index =
            Arc::new(JobIndex::open(upserted.path().join("index")).expect("a copy of the index"));
        let library =
            Matcher::from_index(Arc::clone(&upserted_index), Arc::clone(&plain)).expect("matcher");
        let upserter = {
            let index = Arc::clone(&upserted_index);
            let embedder = Arc::clone(&plain);
            Upserter::start_with(&jobs, args.upsert_rate, move |job, n| {
                index.upsert(vec![changed_job(job, n)], &embedder).is_ok()
            })
        };
        let rank_upserts_rate = rank_rate_of(&library);
        let (library_upserts, library_upsert_errors) = upserter.stop();
        println!(
            "library with {} job upserts a second: rank_many in batches of 32 {rank_upserts_rate:.1} resumes/s ({} upserts, {} errors)",
            args.upsert_rate,
            library_upserts.len(),
            library_upsert_errors
        );
        drop(library);
        drop(upserted_index);
        (encoder_rate, rank_rate, rank_upserts_rate)
    };

    // 2. The service.
    let mut embedder = TextEmbedder::from_dir(&model, &device).expect("the model");
    if args.batching {
        embedder = embedder
            .with_micro_batching(BatchOptions::default())
            .expect("batching");
    }
    let live_index = JobIndex::open(&live_dir).expect("the live index");
    let matcher = Matcher::from_index(Arc::new(live_index), embedder).expect("matcher");
    let mut config = ServeConfig::default();
    config.limits.rate_per_minute = 0;
    let service = Service::new(&config, matcher).expect("service");
    let (addr, stop) = start(service);
    let bodies: Vec<Vec<u8>> = resumes
        .iter()
        .map(|text| {
            serde_json::json!({ "resume": text, "explain": args.explain })
                .to_string()
                .into_bytes()
        })
        .collect();
    let bodies = Arc::new(bodies);
    // Warm-up.
    run_level(addr, &bodies, 4, 8);
    for upserting in [false, true] {
        println!(
            "\n{}",
            if upserting {
                format!(
                    "POST /v1/recommend with a stream of {} job upserts a second (PUT /v1/jobs/{{id}}):",
                    args.upsert_rate
                )
            } else {
                "POST /v1/recommend alone:".to_string()
            }
        );
        println!(
            "| concurrency | requests | errors | req/s | p50 ms | p99 ms | vs encoder | vs rank_many | vs rank_many with upserts | upserts (errors) | upsert p50 / p99 ms | load |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for &level in &args.levels {
            let upserter = upserting.then(|| Upserter::start(addr, &jobs, args.upsert_rate));
            let result = run_level(addr, &bodies, level, args.requests);
            let upserts = upserter.map(Upserter::stop);
            let (count, errors, p50, p99) = match &upserts {
                Some(latencies) if !latencies.0.is_empty() => (
                    latencies.0.len(),
                    latencies.1,
                    quantile(&latencies.0, 0.5),
                    quantile(&latencies.0, 0.99),
                ),
                Some(latencies) => (0, latencies.1, 0.0, 0.0),
                None => (0, 0, 0.0, 0.0),
            };
            println!(
                "| {level} | {} | {} | {:.1} | {:.0} | {:.0} | {:.0}% | {:.0}% | {} | {} | {} |",
                result.requests,
                result.errors,
                result.rate,
                result.p50,
                result.p99,
                100.0 * result.rate / encoder_rate,
                100.0 * result.rate / rank_rate,
                if upserting {
                    format!("{:.0}%", 100.0 * result.rate / rank_upserts_rate)
                } else {
                    "-".to_string()
                },
                if upserting {
                    format!("{count} ({errors}) | {p50:.0} / {p99:.0}")
                } else {
                    "- | -".to_string()
                },
                load_average()
            );
        }
    }
    if args.soak > 0 {
        soak(addr, &resumes, &jobs, args.soak);
    }
    stop();
}

/// Copies an index directory (flat: files only).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("the copy's directory");
    for entry in std::fs::read_dir(from).expect("the cached index") {
        let entry = entry.expect("an entry");
        if entry.file_type().expect("a file type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("a copy");
        }
    }
}

/// `job` with a text no earlier upsert had, so that it is embedded again.
fn changed_job(job: &jobfit_text::Job, n: usize) -> jobfit_text::Job {
    let mut job = job.clone();
    job.description = format!("{} Opening number {n}.", job.description);
    job
}

/// The body of an upsert of [`changed_job`].
fn upsert_body(job: &jobfit_text::Job, n: usize) -> Vec<u8> {
    let job = changed_job(job, n);
    serde_json::to_vec(&serde_json::json!({
        "title": job.title,
        "description": job.description,
        "skills": job.skills,
        "aliases": job.aliases,
    }))
    .expect("a job body")
}

/// Numbers the upserts of the whole run, so that no upsert repeats an
/// earlier text (a repeated text is `unchanged`: nothing to embed).
static UPSERTS: AtomicUsize = AtomicUsize::new(0);

/// A client upserting jobs at a fixed rate until stopped.
struct Upserter {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(Vec<f64>, usize)>,
}

impl Upserter {
    /// Upserts over HTTP, one connection per upsert.
    fn start(addr: SocketAddr, jobs: &Arc<Vec<jobfit_text::Job>>, rate: f64) -> Self {
        Self::start_with(jobs, rate, move |job, n| {
            let status = Client::connect(addr).send(
                "PUT",
                &format!("/v1/jobs/{}", job.id),
                "application/json",
                &upsert_body(job, n),
            );
            status == 200 || status == 201
        })
    }

    /// Upserts with `upsert(job, n)` (true: done) at `rate` a second. Each
    /// upsert runs on its own thread, as changes reach a job board whether
    /// or not the previous one is answered: the offered rate does not fall
    /// when upserts are slow.
    fn start_with<F>(jobs: &Arc<Vec<jobfit_text::Job>>, rate: f64, upsert: F) -> Self
    where
        F: Fn(&jobfit_text::Job, usize) -> bool + Send + Sync + 'static,
    {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let jobs = Arc::clone(jobs);
        let flag = Arc::clone(&stop);
        let upsert = Arc::new(upsert);
        let thread = std::thread::spawn(move || {
            let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
            let mut next = Instant::now();
            let mut sent = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let now = Instant::now();
                if now < next {
                    std::thread::sleep((next - now).min(Duration::from_millis(20)));
                    continue;
                }
                next += period;
                let n = UPSERTS.fetch_add(1, Ordering::Relaxed);
                let job = jobs[(n * 7919) % jobs.len()].clone();
                let upsert = Arc::clone(&upsert);
                sent.push(std::thread::spawn(move || {
                    let started = Instant::now();
                    let done = upsert(&job, n);
                    (started.elapsed().as_secs_f64() * 1000.0, done)
                }));
            }
            let mut latencies = Vec::new();
            let mut errors = 0;
            for handle in sent {
                let (latency, done) = handle.join().expect("an upsert");
                latencies.push(latency);
                if !done {
                    errors += 1;
                }
            }
            (latencies, errors)
        });
        Self { stop, thread }
    }

    /// Stops; the latencies (ms, sorted) and the error count.
    fn stop(self) -> (Vec<f64>, usize) {
        self.stop.store(true, Ordering::Relaxed);
        let (mut latencies, errors) = self.thread.join().expect("the upserter");
        latencies.sort_by(f64::total_cmp);
        (latencies, errors)
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

struct LevelResult {
    requests: usize,
    errors: usize,
    rate: f64,
    p50: f64,
    p99: f64,
}

/// `count` requests from `concurrency` keep-alive clients.
fn run_level(
    addr: SocketAddr,
    bodies: &Arc<Vec<Vec<u8>>>,
    concurrency: usize,
    count: usize,
) -> LevelResult {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..concurrency)
        .map(|_| {
            let next = Arc::clone(&next);
            let bodies = Arc::clone(bodies);
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                let mut latencies = Vec::new();
                let mut errors = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let body = &bodies[i % bodies.len()];
                    let sent = Instant::now();
                    let status = client.post("/v1/recommend", "application/json", body);
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    if status != 200 {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for handle in handles {
        let (mut part, part_errors) = handle.join().expect("a client");
        latencies.append(&mut part);
        errors += part_errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    LevelResult {
        requests: latencies.len(),
        errors,
        rate: latencies.len() as f64 / elapsed,
        p50: quantile(&latencies, 0.5),
        p99: quantile(&latencies, 0.99),
    }
}

/// Mixed requests at concurrency 8 for `seconds`; RSS after the first
/// minute and at the end.
fn soak(addr: SocketAddr, resumes: &[String], jobs: &Arc<Vec<jobfit_text::Job>>, seconds: u64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let first_minute = Instant::now() + Duration::from_secs(60.min(seconds));
    let resumes = Arc::new(resumes.to_vec());
    let counts = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    let kinds: Arc<[AtomicUsize; 6]> = Arc::new(Default::default());
    let handles: Vec<_> = (0..8)
        .map(|worker| {
            let resumes = Arc::clone(&resumes);
            let counts = Arc::clone(&counts);
            let kinds = Arc::clone(&kinds);
            let jobs = Arc::clone(jobs);
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                let mut i = worker;
                while Instant::now() < deadline {
                    let text = &resumes[i % resumes.len()];
                    let job = &jobs[(i * 7919) % jobs.len()];
                    kinds[i % 6].fetch_add(1, Ordering::Relaxed);
                    let status = match i % 6 {
                        0 | 1 => client.post(
                            "/v1/recommend",
                            "application/json",
                            serde_json::json!({ "resume": text }).to_string().as_bytes(),
                        ),
                        2 => {
                            let (content_type, body) = multipart_text(text);
                            client.post("/v1/recommend", &content_type, &body)
                        }
                        3 => client.post(
                            "/v1/screen",
                            "application/json",
                            serde_json::json!({
                                "job_id": "29-1141.00",
                                "resumes": [
                                    { "id": "a", "text": text },
                                    { "id": "b", "text": resumes[(i + 1) % resumes.len()] },
                                ],
                            })
                            .to_string()
                            .as_bytes(),
                        ),
                        4 => client.send(
                            "PUT",
                            &format!("/v1/jobs/{}", job.id),
                            "application/json",
                            &upsert_body(job, UPSERTS.fetch_add(1, Ordering::Relaxed)),
                        ),
                        _ => client.get(&format!("/v1/jobs/{}", job.id)),
                    };
                    let slot = if status == 200 || status == 201 { 0 } else { 1 };
                    counts[slot].fetch_add(1, Ordering::Relaxed);
                    i += 8;
                }
            })
        })
        .collect();
    std::thread::sleep(first_minute.saturating_duration_since(Instant::now()));
    let rss_first = rss_kib();
    println!(
        "\nsoak: RSS after the first minute {} MiB (load {})",
        rss_first / 1024,
        load_average()
    );
    // RSS every minute after, to tell growth that levels off from a leak.
    let mut minute = 1;
    loop {
        let next = first_minute + Duration::from_secs(60 * minute);
        if next >= deadline {
            break;
        }
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        minute += 1;
        println!("soak: minute {minute}: RSS {} MiB", rss_kib() / 1024);
    }
    for handle in handles {
        handle.join().expect("a soak client");
    }
    let rss_end = rss_kib();
    let ok = counts[0].load(Ordering::Relaxed);
    let failed = counts[1].load(Ordering::Relaxed);
    let kinds: Vec<usize> = kinds.iter().map(|k| k.load(Ordering::Relaxed)).collect();
    println!(
        "soak: requests: {} recommend (JSON), {} recommend (file), {} screen, {} job upserts, {} job reads",
        kinds[0] + kinds[1],
        kinds[2],
        kinds[3],
        kinds[4],
        kinds[5]
    );
    println!(
        "soak: {seconds} s, {ok} ok, {failed} errors; RSS at the end {} MiB ({:+.1}% of the first minute's); load {}",
        rss_end / 1024,
        100.0 * (rss_end as f64 - rss_first as f64) / rss_first as f64,
        load_average()
    );
}

fn multipart_text(text: &str) -> (String, Vec<u8>) {
    let boundary = "load-boundary-51f0";
    let mut body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"resume\"; filename=\"cv.txt\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(text.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Runs the service on its own runtime; the closure stops it.
fn start(service: Service) -> (SocketAddr, impl FnOnce()) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("the address");
    listener.set_nonblocking(true).expect("non-blocking");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                service
                    .run(listener, async move {
                        let _ = rx.await;
                    })
                    .await
                    .expect("the service runs");
            });
    });
    (addr, move || {
        let _ = tx.send(());
        thread.join().expect("the server thread");
    })
}

/// A keep-alive HTTP/1.1 client.
struct Client {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Self {
            addr,
            reader: BufReader::new(stream),
        }
    }

    fn get(&mut self, path: &str) -> u16 {
        self.send("GET", path, "", b"")
    }

    fn post(&mut self, path: &str, content_type: &str, body: &[u8]) -> u16 {
        self.send("POST", path, content_type, body)
    }

    fn send(&mut self, method: &str, path: &str, content_type: &str, body: &[u8]) -> u16 {
        match self.try_send(method, path, content_type, body) {
            Ok(status) => status,
            Err(_) => {
                *self = Self::connect(self.addr);
                0
            }
        }
    }

    fn try_send(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> std::io::Result<u16> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n",
            self.addr,
            body.len()
        );
        if !content_type.is_empty() {
            head.push_str(&format!("content-type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(status)
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}

fn cpu_features() -> String {
    let flags = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("flags"))
                .map(str::to_string)
        })
        .unwrap_or_default();
    let has = |flag: &str| flags.split_whitespace().any(|f| f == flag);
    ["avx2", "fma", "avx512f"]
        .iter()
        .map(|flag| format!("{flag} {}", if has(flag) { "yes" } else { "no" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
