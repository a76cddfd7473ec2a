//! The two servers under test, behind one type: start with the shared
//! [`SETTINGS`](super::SETTINGS), connect, kill -9 and start again, sum the
//! resident memory of their processes, measure a relation on disk.
//!
//! # HOW EACH IS RUN
//!
//! ```text
//!                heapgres                          PostgreSQL 15
//! binary         target/release/heapgres           /usr/lib/postgresql/15/bin
//! data dir       <tmp>/data (created by heapgres)  <tmp>/db (initdb --locale=C
//!                                                   -E UTF8 -A trust)
//! started by     this process (child)              this process, `postgres` in
//!                                                   the foreground, through su
//!                                                   as pgoracle when root
//! processes      one                               postmaster + its children
//! kill -9        the child                         postmaster and children
//! stopped        kill -9 (the data dir is deleted) likewise
//! ```
//!
//! Unlike the test harness ([`crate::TestServer`], [`crate::oracle`]) nothing
//! here panics on a server that misbehaves: a failure to start or to come
//! back is an error the caller records, since the benchmark must finish.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{BenchError, BenchResult, SETTINGS, System};

/// Where Debian installs PostgreSQL 15's server programs.
pub const PG_BIN: &str = crate::oracle::PG_BIN;

/// How long a server may take to accept connections after a start.
const START_TIMEOUT: Duration = Duration::from_secs(300);

/// A running (or killed, about to be restarted) server.
pub struct Server {
    /// Which system this is.
    pub system: System,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// The temporary directory holding the data directory and the log.
    base: PathBuf,
    how: How,
}

/// How the server process is managed.
enum How {
    /// heapgres: a child of this process.
    Child {
        /// The binary.
        bin: PathBuf,
        /// The running process, `None` after a kill.
        child: Option<Child>,
    },
    /// PostgreSQL: `postgres` run in the foreground by a shell (through
    /// `su` when we are root), so that this process can reap a killed
    /// postmaster. A postmaster left to pg_ctl is reparented to init and,
    /// where init does not reap, stays a zombie whose pid the next start
    /// takes for a running server.
    Postmaster {
        /// `pgoracle` when running as root.
        as_user: Option<String>,
        /// `su`/`sh` whose child (or self, after `exec`) is the postmaster.
        child: Option<Child>,
    },
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// Runs a shell command, as `as_user` if given; returns its stderr on
/// failure.
fn sh(as_user: &Option<String>, cmd: &str) -> BenchResult<()> {
    let out = match as_user {
        Some(u) => Command::new("su")
            .args([u.as_str(), "-s", "/bin/sh", "-c", cmd])
            .output(),
        None => Command::new("sh").args(["-c", cmd]).output(),
    }?;
    if out.status.success() {
        Ok(())
    } else {
        Err(BenchError(format!(
            "`{cmd}` failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

fn temp_base(tag: &str) -> BenchResult<PathBuf> {
    let base = std::env::temp_dir().join(format!(
        "heapgres-bench-{tag}-{}-{}",
        std::process::id(),
        crate::free_port()
    ));
    std::fs::create_dir_all(&base)?;
    Ok(base)
}

impl Server {
    /// Starts heapgres from `bin` on a new data directory.
    pub async fn start_heapgres(bin: &Path) -> BenchResult<Server> {
        let base = temp_base("heapgres")?;
        let mut s = Server {
            system: System::Heapgres,
            port: crate::free_port(),
            data_dir: base.join("data"),
            base,
            how: How::Child {
                bin: bin.to_path_buf(),
                child: None,
            },
        };
        s.launch()?;
        s.wait_accepting().await?;
        Ok(s)
    }

    /// initdb's and starts PostgreSQL 15 on a new data directory.
    pub async fn start_postgres() -> BenchResult<Server> {
        if !Path::new(PG_BIN).join("initdb").exists() {
            return Err(format!("PostgreSQL 15 is not installed at {PG_BIN}").into());
        }
        let as_user = if is_root() {
            let _ = Command::new("useradd")
                .args(["-m", "pgoracle"])
                .stderr(Stdio::null())
                .status();
            Some("pgoracle".to_string())
        } else {
            None
        };
        let base = temp_base("postgres")?;
        if let Some(u) = &as_user {
            Command::new("chown")
                .args([u.as_str(), &base.display().to_string()])
                .status()?;
        }
        let data_dir = base.join("db");
        sh(
            &as_user,
            &format!(
                "{PG_BIN}/initdb -D {} --locale=C -E UTF8 -U postgres -A trust",
                data_dir.display()
            ),
        )?;
        let mut s = Server {
            system: System::Postgres,
            port: crate::free_port(),
            data_dir,
            base,
            how: How::Postmaster {
                as_user,
                child: None,
            },
        };
        s.launch()?;
        s.wait_accepting().await?;
        Ok(s)
    }

    /// The `-c name=value` arguments of the shared settings.
    fn setting_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (name, value) in SETTINGS {
            args.push("-c".to_string());
            args.push(format!("{name}={value}"));
        }
        args.push("-c".into());
        args.push("listen_addresses=127.0.0.1".into());
        args
    }

    fn log_path(&self) -> PathBuf {
        self.base.join("server.log")
    }

    /// Starts the server process without waiting for it to accept.
    fn launch(&mut self) -> BenchResult<()> {
        let settings = self.setting_args();
        let port = self.port;
        let log = self.log_path();
        let data_dir = self.data_dir.clone();
        let base = self.base.clone();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        match &mut self.how {
            How::Child { bin, child } => {
                let c = Command::new(&*bin)
                    .arg("-D")
                    .arg(&data_dir)
                    .arg("-p")
                    .arg(port.to_string())
                    .args(&settings)
                    .stdout(Stdio::null())
                    .stderr(log)
                    .spawn()?;
                *child = Some(c);
                Ok(())
            }
            How::Postmaster { as_user, child } => {
                let cmd = format!(
                    "exec {PG_BIN}/postgres -D {} -p {port} -k {} {}",
                    data_dir.display(),
                    base.display(),
                    settings.join(" ")
                );
                let mut c = match as_user {
                    Some(u) => {
                        let mut c = Command::new("su");
                        c.args([u.as_str(), "-s", "/bin/sh", "-c", &cmd]);
                        c
                    }
                    None => {
                        let mut c = Command::new("sh");
                        c.args(["-c", &cmd]);
                        c
                    }
                };
                *child = Some(c.stdout(Stdio::null()).stderr(log).spawn()?);
                Ok(())
            }
        }
    }

    /// Waits until a connection succeeds and runs `select 1`; returns how
    /// long that took. Fails if the process exits or after five minutes.
    pub async fn wait_accepting(&mut self) -> BenchResult<Duration> {
        let t0 = Instant::now();
        loop {
            if !self.is_alive() {
                return Err(format!(
                    "{} exited; log tail:\n{}",
                    self.system.name(),
                    self.log_tail()
                )
                .into());
            }
            if let Ok(client) = self.connect().await
                && client.simple_query("select 1").await.is_ok()
            {
                return Ok(t0.elapsed());
            }
            if t0.elapsed() > START_TIMEOUT {
                return Err(format!("{} did not accept connections", self.system.name()).into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }

    /// A libpq-style connection string (also what pgbench is given).
    pub fn conn_str(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// Connects with tokio-postgres; the connection task is spawned on the
    /// current runtime.
    pub async fn connect(&self) -> BenchResult<tokio_postgres::Client> {
        connect(&self.conn_str()).await
    }

    /// The postmaster's pid, from the first line of `postmaster.pid`.
    fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.data_dir.join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Whether the server process is still there (a zombie is not).
    pub fn is_alive(&mut self) -> bool {
        match &mut self.how {
            How::Child { child, .. } | How::Postmaster { child, .. } => match child {
                Some(c) => matches!(c.try_wait(), Ok(None)),
                None => false,
            },
        }
    }

    /// How to find the server's processes, for a sampler on another thread.
    pub fn processes(&self) -> Processes {
        match &self.how {
            How::Child { child, .. } => Processes::One(child.as_ref().map(|c| c.id())),
            How::Postmaster { .. } => Processes::PostmasterTree(self.postmaster_pid()),
        }
    }

    /// Every process of the server now.
    pub fn pids(&self) -> Vec<u32> {
        self.processes().pids()
    }

    /// Kills every process of the server with SIGKILL, as a crash would, and
    /// waits until they are gone.
    pub fn kill9(&mut self) {
        let pids = self.pids();
        match &mut self.how {
            How::Child { child, .. } => {
                if let Some(mut c) = child.take() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
            }
            How::Postmaster { child, .. } => {
                if !pids.is_empty() {
                    let mut kill = Command::new("kill");
                    kill.arg("-9");
                    for p in &pids {
                        kill.arg(p.to_string());
                    }
                    let _ = kill.stderr(Stdio::null()).status();
                    let deadline = Instant::now() + Duration::from_secs(30);
                    while pids.iter().any(|p| process_running(*p)) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
                // su (or sh) exits once its postmaster is gone.
                if let Some(mut c) = child.take() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
            }
        }
    }

    /// Starts a killed server again on the same data directory and port and
    /// returns the time from the start command until it accepts connections.
    pub async fn restart_after_kill(&mut self) -> BenchResult<Duration> {
        let t0 = Instant::now();
        self.launch()?;
        self.wait_accepting().await?;
        Ok(t0.elapsed())
    }

    /// Starts the server again if it died (a workload crashed it).
    pub async fn ensure_running(&mut self) -> BenchResult<()> {
        if self.is_alive() {
            return Ok(());
        }
        println!(
            "  {} is not running; starting it again. Log tail:\n{}",
            self.system.name(),
            self.log_tail()
        );
        self.kill9();
        self.launch()?;
        self.wait_accepting().await?;
        Ok(())
    }

    /// Size on disk of `table` in bytes. PostgreSQL: `pg_total_relation_size`
    /// after a CHECKPOINT. heapgres: the same function if it has it, else the
    /// sum of the relation's files (`base/*/<relfilenode>*`, after a
    /// CHECKPOINT so the buffer pool has written them out).
    pub async fn relation_size(
        &self,
        client: &tokio_postgres::Client,
        table: &str,
    ) -> BenchResult<u64> {
        // Best effort: if CHECKPOINT is missing the files may lag a little.
        let _ = client.batch_execute("checkpoint").await;
        let sql = format!("select pg_total_relation_size('{table}')::int8");
        if let Ok(row) = client.query_one(&sql, &[]).await {
            let n: i64 = row.get(0);
            return Ok(n as u64);
        }
        let row = client
            .query_one(
                "select relfilenode::int8 from pg_class where relname = $1",
                &[&table],
            )
            .await?;
        let node: i64 = row.get(0);
        Ok(files_size(&self.data_dir.join("base"), &node.to_string())?)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

/// Connects with tokio-postgres; the connection task is spawned on the
/// current runtime.
pub async fn connect(conn_str: &str) -> BenchResult<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(conn_str, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// A server's processes, found again at each look: PostgreSQL starts a
/// backend per connection.
#[derive(Clone, Copy, Debug)]
pub enum Processes {
    /// heapgres: one process (none after a kill).
    One(Option<u32>),
    /// PostgreSQL: the postmaster and its children.
    PostmasterTree(Option<u32>),
}

impl Processes {
    /// The pids now.
    pub fn pids(self) -> Vec<u32> {
        match self {
            Processes::One(p) => p.into_iter().collect(),
            Processes::PostmasterTree(None) => Vec::new(),
            Processes::PostmasterTree(Some(pm)) => {
                let mut pids = vec![pm];
                pids.extend(children_of(pm));
                pids
            }
        }
    }

    /// Sum of VmRSS over the processes, in bytes.
    pub fn rss_bytes(self) -> u64 {
        self.pids().into_iter().filter_map(vm_rss_bytes).sum()
    }
}

/// Sum of the sizes of the files under `base/<db>/` named `node`, `node.N`
/// or `node_fork` (segments and forks of one relation).
pub fn files_size(base: &Path, node: &str) -> std::io::Result<u64> {
    let mut total = 0;
    for db in std::fs::read_dir(base)? {
        let db = db?;
        if !db.file_type()?.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(db.path())? {
            let f = f?;
            let name = f.file_name();
            let name = name.to_string_lossy();
            if is_relation_file(&name, node) {
                total += f.metadata()?.len();
            }
        }
    }
    Ok(total)
}

/// Whether `name` is a file of relation `node`: `node`, `node.3`,
/// `node_fsm`, `node_vm`, `node_fsm.1`.
pub fn is_relation_file(name: &str, node: &str) -> bool {
    match name.strip_prefix(node) {
        Some("") => true,
        Some(rest) => {
            let rest = rest
                .strip_prefix("_fsm")
                .or_else(|| rest.strip_prefix("_vm"))
                .or_else(|| rest.strip_prefix("_init"))
                .unwrap_or(rest);
            rest.is_empty()
                || rest
                    .strip_prefix('.')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        }
        None => false,
    }
}

/// Whether `pid` exists and is not a zombie.
fn process_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_fields(&stat).is_some_and(|(state, _)| state != "Z"),
        Err(_) => false,
    }
}

/// The state and parent pid from a `/proc/<pid>/stat` line (the fields
/// after the parenthesised command name, which may contain spaces).
fn stat_fields(stat: &str) -> Option<(&str, u32)> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut it = after.split_whitespace();
    let state = it.next()?;
    let ppid = it.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The pids whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| stat_fields(&s).map(|(_, ppid)| ppid))
                == Some(parent)
        })
        .collect()
}

/// VmRSS of `pid` in bytes, from `/proc/<pid>/status`.
fn vm_rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss(&status)
}

/// The `VmRSS:   1234 kB` line of a `/proc/<pid>/status` text, in bytes.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
