//! Real `jixiao` processes for the cluster tests: spawned from the built binary with their
//! log in a file, found by what they print (a server's address), stopped with SIGTERM or
//! killed with SIGKILL, and killed on drop so a failing test leaves nothing running.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_jixiao");

pub struct Proc {
    child: Child,
    log: PathBuf,
    /// Holds the log file's directory.
    _dir: tempfile::TempDir,
    pub name: String,
}

impl Proc {
    /// Starts `jixiao ARGS` with `envs`; its stderr (the log) goes to a file.
    pub fn spawn(name: &str, args: &[&str], envs: &[(&str, &str)]) -> Proc {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stderr.log");
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        Proc {
            child,
            log,
            _dir: dir,
            name: name.to_string(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// Waits until the log holds `needle`; panics with the log after `within`.
    pub fn wait_for_log(&mut self, needle: &str, within: Duration) -> String {
        let start = Instant::now();
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before logging {needle:?}:\n{log}",
                    self.name
                );
            }
            assert!(
                start.elapsed() < within,
                "{} did not log {needle:?} within {within:?}:\n{log}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, signal);
        }
    }

    /// SIGKILL, as a crash or the OOM killer would: no clean-up runs.
    pub fn kill_hard(&mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }

    /// Sends SIGTERM without waiting.
    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// Waits for the process to end; panics with its log after `within`.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > within {
                self.signal(libc::SIGKILL);
                panic!(
                    "{} did not exit within {within:?}:\n{}",
                    self.name,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs to its end (for one-shot commands such as `migrate`).
    pub fn finish(mut self, within: Duration) -> (ExitStatus, String) {
        let status = self.wait_exit(within);
        (status, self.log())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill_hard();
        }
    }
}

/// Dictionaries load at start-up, slowly in an unoptimized build: how long a process may
/// take to come up.
pub const START: Duration = Duration::from_secs(120);

/// A `jixiao serve` process on a free loopback port.
pub struct Server {
    pub proc: Proc,
    pub addr: std::net::SocketAddr,
}

impl Server {
    pub fn start(name: &str, url: &str, workers: usize, envs: &[(&str, &str)]) -> Server {
        let workers = workers.to_string();
        let mut proc = Proc::spawn(
            name,
            &[
                "serve",
                "--database-url",
                url,
                "--bind",
                "127.0.0.1:0",
                "--workers",
                &workers,
            ],
            envs,
        );
        let log = proc.wait_for_log("Review page: http://", START);
        let rest = &log[log.find("Review page: http://").unwrap() + "Review page: http://".len()..];
        let addr = rest[..rest.find('/').unwrap()].parse().unwrap();
        Server { proc, addr }
    }
}

/// A `jixiao worker` process with `workers` workers and a lease of `lease_secs`, once its
/// workers have started.
pub fn worker(name: &str, url: &str, workers: usize, lease_secs: &str) -> Proc {
    let mut proc = spawn_worker(name, url, workers, lease_secs);
    proc.wait_for_log("worker started", START);
    proc
}

/// A `jixiao worker` process, not waited for.
pub fn spawn_worker(name: &str, url: &str, workers: usize, lease_secs: &str) -> Proc {
    let workers = workers.to_string();
    Proc::spawn(
        name,
        &[
            "worker",
            "--database-url",
            url,
            "--workers",
            &workers,
            "--lease-secs",
            lease_secs,
        ],
        &[],
    )
}

/// Polls `probe` until it returns `Some`, for at most `within`.
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
