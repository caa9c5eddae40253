//! `jobfit serve --index DIR` killed (SIGKILL) while bulk upserts are in
//! flight, several times: after each restart on the same directory every
//! job the service acknowledged is there.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jobfit::matching::JobIndex;

mod common;

use common::{Lcg, jobfit, tiny_model};

fn job_line(id: &str, version: u64) -> String {
    serde_json::json!({
        "id": id,
        "title": format!("engineer {version}"),
        "description": format!("builds rust services, version {version}"),
        "aliases": ["developer"],
        "metadata": {"version": version.to_string()},
    })
    .to_string()
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
         content-type: application/x-ndjson\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, body.to_string()))
}

/// A running `jobfit serve` and the address it listens on.
struct Server {
    child: Child,
    addr: SocketAddr,
}

// The caller kills and waits for the server it gets back.
#[allow(clippy::zombie_processes)]
fn serve(model: &Path, index: &Path, log: &Path) -> Server {
    let mut child = jobfit()
        .args(["serve", "--model"])
        .arg(model)
        .arg("--index")
        .arg(index)
        .args(["--bind", "127.0.0.1:0", "--rate-per-minute", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text.lines().find(|line| line.contains("listening")) {
            let start = line
                .find("127.0.0.1:")
                .expect("an address in the listening line");
            let addr: String = line[start..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                .collect();
            let addr = addr.parse().unwrap();
            return Server { child, addr };
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start: {text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_acknowledged_job_survives_sigkill_during_bulk_upserts() {
    let temp = tempfile::tempdir().unwrap();
    let model = tiny_model(temp.path());
    let catalog = temp.path().join("jobs.jsonl");
    std::fs::write(&catalog, format!("{}\n", job_line("seed", 0))).unwrap();
    let index = temp.path().join("index");
    let status = jobfit()
        .args(["index", "--model"])
        .arg(&model)
        .arg("--catalog")
        .arg(&catalog)
        .arg("--out")
        .arg(&index)
        .status()
        .unwrap();
    assert!(status.success());
    let log = temp.path().join("serve.log");

    const PER_BATCH: u64 = 40;
    let mut random = Lcg(7);
    let mut acknowledged: Vec<String> = Vec::new();
    // The last version of the shared job "hot" that a batch acknowledged.
    let mut hot_acknowledged = 0;
    let mut cut_mid_request = 0;
    for round in 0..4u64 {
        let server = serve(&model, &index, &log);
        let addr = server.addr;
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new((Vec::<String>::new(), 0u64, false)));
        let client = {
            let stop = Arc::clone(&stop);
            let acked = Arc::clone(&acked);
            std::thread::spawn(move || {
                for batch in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let version = round * 10_000 + batch + 1;
                    let ids: Vec<String> = (0..PER_BATCH)
                        .map(|i| format!("r{round}-b{batch}-j{i}"))
                        .collect();
                    let mut lines: Vec<String> =
                        ids.iter().map(|id| job_line(id, version)).collect();
                    lines.push(job_line("hot", version));
                    match http(addr, "POST", "/v1/jobs:batch", &lines.join("\n")) {
                        Ok((200, body)) => {
                            let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
                            assert_eq!(reply["failed"], 0, "{body}");
                            let mut acked = acked.lock().unwrap();
                            acked.0.extend(ids);
                            acked.1 = version;
                        }
                        Ok((status, body)) => panic!("batch answered {status}: {body}"),
                        // Killed mid-request: this batch is not acknowledged.
                        Err(_) => {
                            acked.lock().unwrap().2 = true;
                            break;
                        }
                    }
                }
            })
        };
        // Kill at a point that varies from round to round.
        std::thread::sleep(Duration::from_millis(400 + random.next(1200)));
        let mut child = server.child;
        child.kill().unwrap();
        child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        client.join().unwrap();
        let (ids, hot, cut) = std::mem::take(&mut *acked.lock().unwrap());
        assert!(!ids.is_empty(), "round {round}: nothing was acknowledged");
        acknowledged.extend(ids);
        hot_acknowledged = hot_acknowledged.max(hot);
        cut_mid_request += usize::from(cut);

        // Restart on the same directory: every acknowledged job is served.
        let server = serve(&model, &index, &log);
        for id in &acknowledged {
            let (status, body) = http(server.addr, "GET", &format!("/v1/jobs/{id}"), "").unwrap();
            assert_eq!(
                status, 200,
                "round {round}: acknowledged job {id} lost: {body}"
            );
        }
        let (status, body) = http(server.addr, "GET", "/v1/jobs/hot", "").unwrap();
        assert_eq!(status, 200);
        let hot: serde_json::Value = serde_json::from_str(&body).unwrap();
        let version: u64 = hot["metadata"]["version"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            version >= hot_acknowledged,
            "round {round}: job hot is at version {version}, {hot_acknowledged} was acknowledged"
        );
        let mut child = server.child;
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // The directory itself loads with every acknowledged job.
    let loaded = JobIndex::load(&index).unwrap();
    for id in &acknowledged {
        assert!(loaded.get(id).is_some(), "{id} missing from the directory");
    }
    eprintln!(
        "{} jobs acknowledged over 4 kills, {cut_mid_request} kills cut a request in flight",
        acknowledged.len()
    );
}
