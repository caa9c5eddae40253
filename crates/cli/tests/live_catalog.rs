//! The live catalog through the command line, and its crash safety: a real
//! `jobfit jobs upsert` process is killed (SIGKILL) in the middle of large
//! batches, many times, and every batch it acknowledged must load.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use jobfit::matching::JobIndex;

mod common;

use common::{Lcg, jobfit, tiny_model};

fn job_line(id: &str, version: u64) -> String {
    serde_json::json!({
        "id": id,
        "title": format!("engineer {version}"),
        "description": format!("builds rust services, version {version}"),
        "aliases": ["developer", format!("coder {}", version % 7)],
        "metadata": {"version": version.to_string()},
    })
    .to_string()
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{:?} failed: {}",
        command,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn jobs_commands_change_an_index_in_place() {
    let temp = tempfile::tempdir().unwrap();
    let model = tiny_model(temp.path());
    let catalog = temp.path().join("jobs.jsonl");
    std::fs::write(
        &catalog,
        format!("{}\n{}\n", job_line("a", 1), job_line("b", 1)),
    )
    .unwrap();
    let index = temp.path().join("index");
    let m = model.to_str().unwrap();
    let i = index.to_str().unwrap();
    run_ok(
        jobfit()
            .args(["index", "--model", m, "--catalog"])
            .arg(&catalog)
            .args(["--out", i]),
    );

    let mut child = jobfit()
        .args(["jobs", "upsert", "--index", i, "--model", m])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n{}\n", job_line("b", 2), job_line("c", 1)).as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let report: serde_json::Value =
        serde_json::from_slice(output.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(report["added"], 1);
    assert_eq!(report["updated"], 1);

    let got = run_ok(jobfit().args(["jobs", "get", "--index", i, "b"]));
    assert!(got.contains("version 2"), "{got}");
    let deleted = run_ok(jobfit().args(["jobs", "delete", "--index", i, "a", "zzz"]));
    assert!(
        deleted.contains("\"deleted\":1") && deleted.contains("\"missing\":1"),
        "{deleted}"
    );
    let missing = jobfit()
        .args(["jobs", "get", "--index", i, "a"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no job with id \"a\""));

    // --update syncs to a catalog: b changes, c leaves, d arrives.
    std::fs::write(
        &catalog,
        format!("{}\n{}\n", job_line("b", 3), job_line("d", 1)),
    )
    .unwrap();
    let output = jobfit()
        .args(["index", "--model", m, "--catalog"])
        .arg(&catalog)
        .args(["--update", i])
        .output()
        .unwrap();
    assert!(output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("1 added, 1 changed, 0 unchanged, 1 deleted"),
        "{message}"
    );
    let loaded = JobIndex::load(&index).unwrap();
    let mut ids: Vec<String> = loaded.jobs().iter().map(|job| job.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, ["b", "d"]);

    // Bad input: a line that is not a job names its line; nothing of the batch is written.
    let mut child = jobfit()
        .args(["jobs", "upsert", "--index", i, "--model", m])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n{{\"id\": \"x\"}}\n", job_line("e", 1)).as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("line 2"), "{message}");
    assert!(JobIndex::load(&index).unwrap().get("e").is_none());
}

#[test]
fn killing_the_writer_mid_batch_loses_nothing_acknowledged() {
    let temp = tempfile::tempdir().unwrap();
    let model = tiny_model(temp.path());
    let catalog = temp.path().join("jobs.jsonl");
    std::fs::write(&catalog, format!("{}\n", job_line("seed", 0))).unwrap();
    let index = temp.path().join("index");
    let m = model.to_str().unwrap();
    let i = index.to_str().unwrap();
    run_ok(
        jobfit()
            .args(["index", "--model", m, "--catalog"])
            .arg(&catalog)
            .args(["--out", i]),
    );

    let mut rng = Lcg(0x5eed);
    let runs = 16;
    let mut acknowledged_total = 0;
    let mut killed_mid_batch = 0;
    for run in 0..runs {
        // New jobs and new versions of the previous run's jobs, in batches of 40.
        let lines: Vec<(String, String)> = (0..2000)
            .map(|n| {
                let id = format!("job-{}", (run * 200 + n) % 1000);
                let line = job_line(&id, run);
                (id, line)
            })
            .collect();
        let mut child = jobfit()
            .args([
                "jobs",
                "upsert",
                "--index",
                i,
                "--model",
                m,
                "--batch-size",
                "40",
            ])
            // Small enough that most runs compact, some while being killed.
            .env(
                "JOBFIT_COMPACT_BYTES",
                (20_000 + rng.next(200_000)).to_string(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input: String = lines.iter().map(|(_, line)| format!("{line}\n")).collect();
        let writer = std::thread::spawn(move || {
            // The child may die first: a broken pipe is expected.
            let _ = stdin.write_all(input.as_bytes());
        });
        let stdout = child.stdout.take().unwrap();
        let (first_ack, acked) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut through = 0u64;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
                    break;
                };
                through = value["through_line"].as_u64().unwrap_or(through);
                let _ = first_ack.send(());
            }
            through
        });
        // Kill it while it writes: after its first acknowledged batch (the model is
        // loaded by then, however slow the machine), somewhere in the next batches.
        let _ = acked.recv_timeout(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(rng.next(60)));
        let finished = matches!(child.try_wait(), Ok(Some(_)));
        let _ = child.kill();
        let _ = child.wait();
        let _ = writer.join();
        let through = reader.join().unwrap() as usize;
        if !finished && through < lines.len() {
            killed_mid_batch += 1;
        }
        // Every acknowledged line is in the index, at the acknowledged version.
        let loaded = JobIndex::load(&index)
            .unwrap_or_else(|error| panic!("run {run}: the index does not load: {error}"));
        for (id, _) in &lines[..through] {
            let job = loaded
                .get(id)
                .unwrap_or_else(|| panic!("run {run}: acknowledged job {id} is missing"));
            let version = job.metadata["version"].parse::<u64>().unwrap();
            assert!(
                version == run,
                "run {run}: job {id} is at version {version}, acknowledged at {run}"
            );
        }
        acknowledged_total += through;
    }
    eprintln!(
        "{runs} runs, {killed_mid_batch} killed mid-batch, {acknowledged_total} lines acknowledged, \
         none lost"
    );
    assert!(
        killed_mid_batch >= runs / 2,
        "only {killed_mid_batch} of {runs} runs were killed before finishing: the test \
         did not exercise crashes"
    );
    assert!(acknowledged_total > 0, "no batch was ever acknowledged");
}
