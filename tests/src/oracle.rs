//! PostgreSQL 15 as the oracle for differential tests.
//!
//! `initdb` runs into a temporary directory with `--locale=C` (heapgres
//! compares text in the "C" collation) and `-A trust`; when the tests run
//! as root, PostgreSQL runs as the unprivileged user `pgoracle`, created if
//! needed.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs PostgreSQL 15's server programs.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running PostgreSQL 15.
pub struct Oracle {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    as_user: Option<String>,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn run(as_user: &Option<String>, cmd: &str) -> bool {
    let status = match as_user {
        Some(u) => Command::new("su")
            .args([u.as_str(), "-s", "/bin/sh", "-c", cmd])
            .stdout(Stdio::null())
            .status(),
        None => Command::new("sh")
            .args(["-c", cmd])
            .stdout(Stdio::null())
            .status(),
    };
    status.map(|s| s.success()).unwrap_or(false)
}

impl Oracle {
    /// Starts PostgreSQL 15, or returns `None` (with a message) when it is
    /// not installed, so the caller can skip.
    pub fn start() -> Option<Oracle> {
        if !std::path::Path::new(PG_BIN).join("initdb").exists() {
            eprintln!("PostgreSQL 15 is not installed at {PG_BIN}; skipping the differential test");
            return None;
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
        let base = std::env::temp_dir().join(format!(
            "heapgres-oracle-{}-{}",
            std::process::id(),
            crate::free_port()
        ));
        std::fs::create_dir_all(&base).ok()?;
        if let Some(u) = &as_user {
            let _ = Command::new("chown")
                .args([u.as_str(), &base.display().to_string()])
                .status();
        }
        let port = crate::free_port();
        let db = base.join("db");
        let init = format!(
            "{PG_BIN}/initdb -D {} --locale=C -E UTF8 -U postgres -A trust >/dev/null 2>&1",
            db.display()
        );
        assert!(run(&as_user, &init), "initdb failed");
        let start = format!(
            "{PG_BIN}/pg_ctl -D {} -o '-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off' -l {}/log start >/dev/null 2>&1",
            db.display(),
            base.display(),
            base.display()
        );
        assert!(run(&as_user, &start), "pg_ctl start failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Oracle {
                    port,
                    dir: base,
                    as_user,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("PostgreSQL 15 did not start");
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
            .expect("connect to PostgreSQL");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let stop = format!(
            "{PG_BIN}/pg_ctl -D {} -m immediate stop >/dev/null 2>&1",
            self.dir.join("db").display()
        );
        run(&self.as_user, &stop);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
