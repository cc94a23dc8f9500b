//! `jixiao bench --linearity`: runs `jixiao extract FILE --format json` as a child process on
//! generated inputs of each shape at doubling sizes, and reports wall time and the child's
//! peak resident memory (from `wait4`'s resource usage, so the figure is the child's alone).
//! A child that runs past the time limit is killed; its address space is capped, so a
//! blow-up ends in an allocation failure instead of the machine's memory.

use super::shapes::{Shape, generate};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How one child run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Exited with this status.
    Exited(i32),
    /// Killed by this signal (an allocation failure aborts with SIGABRT).
    Signaled(i32),
    /// Killed by us at the time limit.
    TimedOut,
}

/// One measured run of a child process.
#[derive(Clone, Debug)]
pub struct ChildRun {
    pub ended: Ended,
    pub elapsed: Duration,
    /// Peak resident set size of the child, in bytes.
    pub peak_rss: u64,
    /// The child's standard error (its message on failure).
    pub stderr: String,
}

/// Runs `command` with an address-space cap of `memory_cap` bytes, killing it after `limit`;
/// measures its wall time and peak RSS. Its stdout goes where the command says (set it: by
/// default it is inherited); its stderr is captured.
pub fn run_child(
    mut command: Command,
    limit: Duration,
    memory_cap: u64,
) -> std::io::Result<ChildRun> {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    command.stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe and touches only the child's own limits.
    unsafe {
        command.pre_exec(move || {
            let cap = libc::rlimit {
                rlim_cur: memory_cap as libc::rlim_t,
                rlim_max: memory_cap as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &cap) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    // Drain stderr on a thread so a chatty child cannot block on a full pipe.
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let mut timed_out = false;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, not yet reaped; the pointers are to live locals.
        let got = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if got == pid {
            break (status, usage);
        }
        if got < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if !timed_out && started.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    let ended = if timed_out {
        Ended::TimedOut
    } else if libc::WIFEXITED(status) {
        Ended::Exited(libc::WEXITSTATUS(status))
    } else {
        Ended::Signaled(libc::WTERMSIG(status))
    };
    Ok(ChildRun {
        ended,
        elapsed,
        // Linux reports ru_maxrss in KiB.
        peak_rss: usage.ru_maxrss as u64 * 1024,
        stderr,
    })
}

/// One row of the linearity table.
pub struct Row {
    pub shape: Shape,
    pub bytes: usize,
    pub run: ChildRun,
}

/// What to measure: which binary, where to write the inputs, which shapes at which sizes.
pub struct Plan<'a> {
    pub bin: &'a Path,
    pub dir: &'a Path,
    pub shapes: &'a [Shape],
    pub sizes_mib: &'a [usize],
    /// The report text the prose shapes repeat.
    pub prose: &'a str,
    pub limit: Duration,
    pub memory_cap: u64,
}

/// Generates each shape at each size into the plan's directory, extracts it with the plan's
/// binary, and calls `report` with each row as it is measured.
pub fn run(plan: &Plan, mut report: impl FnMut(&Row)) -> std::io::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for &shape in plan.shapes {
        for &mib in plan.sizes_mib {
            let bytes = mib * 1024 * 1024;
            let path = plan.dir.join(format!("{}-{mib}M.txt", shape.name()));
            std::fs::write(&path, generate(shape, bytes, plan.prose))?;
            let mut command = Command::new(plan.bin);
            command
                .arg("extract")
                .arg(&path)
                .args(["--format", "json"])
                .stdout(Stdio::null());
            let run = run_child(command, plan.limit, plan.memory_cap)?;
            let _ = std::fs::remove_file(&path);
            let row = Row { shape, bytes, run };
            report(&row);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The outcome column of a row: "ok", the exit status, or how it was stopped.
pub fn outcome(run: &ChildRun) -> String {
    match &run.ended {
        Ended::Exited(0) => "ok".into(),
        Ended::Exited(code) => {
            let last = run.stderr.lines().last().unwrap_or("").trim();
            format!("exit {code}: {}", last.chars().take(80).collect::<String>())
        }
        Ended::Signaled(sig) if *sig == libc::SIGABRT => "aborted (memory cap)".into(),
        Ended::Signaled(sig) => format!("killed by signal {sig}"),
        Ended::TimedOut => "killed at the time limit".into(),
    }
}
