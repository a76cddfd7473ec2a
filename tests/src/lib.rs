//! Helpers for integration tests: they start the real `heapgres` binary
//! on a free port with a temporary data directory (and, for differential
//! tests, a PostgreSQL 15 server as the oracle) and drive them with real
//! clients (tokio-postgres, psql).

pub mod bench;
pub mod diff;
pub mod oracle;
pub mod slt;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The `heapgres` binary, built once per test process.
pub fn heapgres_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "server", "--bin", "heapgres"])
            .current_dir(&root)
            .status()
            .expect("run cargo build for the heapgres binary");
        assert!(status.success(), "building heapgres failed");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target"));
        target.join("debug").join("heapgres")
    })
    .clone()
}

/// The stems of the files in `dir` ending in `.ext`, sorted: the suites'
/// "every file has a test" checks compare them with their lists.
pub fn file_stems(dir: &Path, ext: &str) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == ext).then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    found.sort();
    found
}

/// A port nobody listens on right now and that no other test in this
/// process has been given. Ports come from a per-process counter below the
/// kernel's ephemeral range (32768 and up), never from the kernel: a killed
/// test server gives its port up until `start_again`, and an ephemeral
/// port handed out meanwhile could let another test's server take it, so
/// that the restarted server fails to bind and its test talks to the other
/// test's server instead.
pub fn free_port() -> u16 {
    const FIRST: u32 = 10_000;
    const SPAN: u32 = 22_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Separate blocks per process, so that test binaries run side by side
    // (nextest) rarely probe the same ports.
    let block = std::process::id().wrapping_mul(211);
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = FIRST + block.wrapping_add(n) % SPAN;
        let port = u16::try_from(port).expect("below 32768");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN);
}

/// A running heapgres server.
pub struct TestServer {
    child: Option<Child>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its data directory.
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    extra_args: Vec<String>,
    extra_env: Vec<(String, String)>,
}

impl TestServer {
    /// Starts a server on a new temporary data directory.
    pub fn start() -> TestServer {
        Self::start_with(&[])
    }

    /// Starts a server on a new temporary data directory with extra
    /// command-line arguments (e.g. `["-c", "shared_buffers=1MB"]`).
    pub fn start_with(args: &[&str]) -> TestServer {
        Self::start_with_env(args, &[])
    }

    /// [`Self::start_with`], with extra environment variables for the
    /// server process (e.g. `HEAPGRES_FAILPOINTS`).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> TestServer {
        let tmp = tempfile::tempdir().expect("create a temporary directory");
        let dir = tmp.path().join("data");
        let mut s = TestServer {
            child: None,
            port: free_port(),
            data_dir: dir,
            _tmp: Some(tmp),
            extra_args: args.iter().map(|s| s.to_string()).collect(),
            extra_env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        s.launch();
        s
    }

    /// Starts a server on an existing data directory `dir` (a restored
    /// backup, say) with extra arguments; its log is `dir` + `.log`.
    pub fn start_in(dir: &Path, args: &[&str]) -> TestServer {
        let mut s = Self::new_in(dir, args);
        s.launch();
        s
    }

    fn new_in(dir: &Path, args: &[&str]) -> TestServer {
        TestServer {
            child: None,
            port: free_port(),
            data_dir: dir.to_path_buf(),
            _tmp: None,
            extra_args: args.iter().map(|s| s.to_string()).collect(),
            extra_env: Vec::new(),
        }
    }

    /// Runs a server on `dir` that is expected to exit by itself (a
    /// recovery that fails, or stops at its target with
    /// `recovery_target_action = shutdown`); returns whether it exited
    /// successfully, and its log. Panics if it is still running after 60 s.
    pub fn run_to_exit(dir: &Path, args: &[&str]) -> (bool, String) {
        let mut s = Self::new_in(dir, args);
        s.spawn();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut child = s.child.take().expect("spawned");
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return (status.success(), s.log());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("heapgres did not exit: {}", s.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn launch(&mut self) {
        self.spawn();
        self.wait_ready();
    }

    /// Starts a stopped or killed server again without waiting for it to
    /// accept connections (to kill it during recovery, say).
    pub fn spawn_again(&mut self) {
        assert!(self.child.is_none(), "server is still running");
        self.spawn();
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.with_extension("log"))
            .expect("open the server log");
        let child = Command::new(heapgres_bin())
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(&self.extra_args)
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start heapgres");
        self.child = Some(child);
    }

    /// Waits until the server accepts connections (panics if it exits).
    pub fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!("heapgres exited early with {status}: {}", self.log());
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("heapgres did not start listening: {}", self.log());
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.with_extension("log")).unwrap_or_default()
    }

    /// A libpq-style connection string.
    pub fn conn_str(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// Connects with tokio-postgres (the connection task is spawned).
    pub async fn connect(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.conn_str(), tokio_postgres::NoTls)
            .await
            .expect("connect to heapgres");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    }

    /// Runs psql with `args` after the connection options.
    pub fn psql(&self, args: &[&str]) -> Output {
        Command::new("psql")
            .args([
                "-X",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(args)
            .output()
            .expect("run psql")
    }

    /// Stops the server with SIGTERM (a clean shutdown) and waits.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
            panic!("heapgres did not stop on SIGTERM");
        }
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same data directory and port.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Starts a stopped or killed server again.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "server is still running");
        self.launch();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}
