//! Readings of another process from Linux's /proc: CPU time and peak resident memory.

use std::fs;

/// Which clock a CPU reading came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuClock {
    /// The first field of `/proc/PID/task/*/schedstat`: nanoseconds on a CPU, per live thread.
    Schedstat,
    /// `utime + stime` of `/proc/PID/stat`, in clock ticks (USER_HZ, 100 per second on Linux).
    Stat,
}

impl CpuClock {
    pub fn describe(self) -> &'static str {
        match self {
            CpuClock::Schedstat => {
                "sum of the first field of /proc/PID/task/*/schedstat (ns on a CPU, all live threads)"
            }
            CpuClock::Stat => "utime + stime of /proc/PID/stat (10 ms ticks: schedstat is unavailable)",
        }
    }
}

/// Counters of a process, read at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// CPU time used so far (ns).
    pub cpu_ns: u64,
    pub clock: CpuClock,
    /// Minor page faults so far: first touches of fresh memory, which large payloads cause by
    /// the thousand and which cost kernel time (counted in `cpu_ns`).
    pub minor_faults: u64,
}

/// The counters of process `pid` now.
///
/// Schedstat counts live threads only: a thread that exits between two readings takes its
/// time with it. Both functions run tokio's worker threads for their whole life, so none does.
pub fn read(pid: u32) -> Option<Reading> {
    let stat = Stat::read(pid)?;
    let (cpu_ns, clock) = match schedstat_ns(pid) {
        Some(ns) => (ns, CpuClock::Schedstat),
        None => (stat.cpu_ns, CpuClock::Stat),
    };
    Some(Reading {
        cpu_ns,
        clock,
        minor_faults: stat.minor_faults,
    })
}

fn schedstat_ns(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let text = fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// What the runner reads of `/proc/PID/stat` (whole process, exited threads included).
struct Stat {
    cpu_ns: u64,
    minor_faults: u64,
}

impl Stat {
    fn read(pid: u32) -> Option<Stat> {
        let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) may hold spaces: count the fields after its closing
        // parenthesis, from field 3 (index 0): minflt is field 10, utime and stime 14 and 15.
        let fields: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        Some(Stat {
            cpu_ns: (field(14)? + field(15)?) * 10_000_000,
            minor_faults: field(10)?,
        })
    }
}

/// The peak resident set size (VmHWM, KiB) of process `pid`.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
