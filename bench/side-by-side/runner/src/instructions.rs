//! Instructions per invocation, counted by callgrind (by default when valgrind is installed):
//! a figure that barely depends on the machine's load, unlike CPU time (repeated runs agree
//! within 1 to 2 %: the tokio runtime's wake-ups and parking depend on timing).
//!
//! Each function serves a payload twice under `valgrind --tool=callgrind`, N1 then N2 times,
//! and is stopped with SIGTERM, on which valgrind writes the totals (it does not on SIGKILL).
//! (Ir(N2) - Ir(N1)) / (N2 - N1) is then the instructions of one invocation, start-up and
//! shutdown cancelling out. Callgrind counts the instructions the process executes in user
//! space, all threads together; not the kernel's work (system calls, page faults).

use crate::Problems;
use crate::payloads::Payload;
use crate::stand_in::{Function, Serve, Session, Stop};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Under valgrind everything is 50 to 100 times slower: the deadline of one counted run.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);
/// How long valgrind may take to write its output and exit after SIGTERM.
const EXIT_TIMEOUT: Duration = Duration::from_secs(60);

/// `valgrind` on the `PATH`, if any. Looked up here because the functions run with an empty
/// environment (no `PATH`).
pub fn find_valgrind() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("valgrind"))
        .find(|path| path.is_file())
}

/// The instructions of one invocation of `payload` by each function (ours, hand-written):
/// (Ir(N2) - Ir(N1)) / (N2 - N1). The two functions run at the same time, side by side, so that
/// whatever the machine's load does to their counts (see README.md) it does to both.
/// Callgrind's files and valgrind's messages are left in `dir`.
pub async fn per_invocation(
    valgrind: &Path,
    functions: [&Function; 2],
    payload: &Payload,
    dir: &Path,
    logs: &Path,
    problems: &mut Problems,
) -> [Option<f64>; 2] {
    let (n1, n2) = payload.callgrind;
    let mut totals = [[None; 2]; 2];
    for (totals, n) in totals.iter_mut().zip([n1, n2]) {
        let started = Instant::now();
        let [ours, hand] = functions.map(|function| count(valgrind, function, payload, n, dir, logs));
        let (ours, hand) = tokio::join!(ours, hand);
        for (f, (total, found)) in [ours, hand].into_iter().enumerate() {
            problems.0.extend(found.0);
            totals[f] = total;
        }
        eprintln!(
            "callgrind, {}, {n} invocations: {} and {} instructions in {:.1} s",
            payload.label,
            totals[0].map_or("-".to_owned(), |ir| ir.to_string()),
            totals[1].map_or("-".to_owned(), |ir| ir.to_string()),
            started.elapsed().as_secs_f64()
        );
    }
    [0, 1].map(|f| Some((totals[1][f]? as f64 - totals[0][f]? as f64) / (n2 - n1) as f64))
}

/// Runs `function` under callgrind for `n` invocations of `payload`, and returns the total
/// instructions (Ir) of the process, and what went wrong.
async fn count(
    valgrind: &Path,
    function: &Function,
    payload: &Payload,
    n: usize,
    dir: &Path,
    logs: &Path,
) -> (Option<u64>, Problems) {
    let what = format!("callgrind, {}, {}, {n} invocations", payload.label, function.name);
    let mut problems = Problems::default();
    let name = format!("{}-{}-{n}", function.name, payload.scenario);
    let out = dir.join(format!("{name}.callgrind"));
    // A file left by an earlier run must not be read as this one's.
    let _ = std::fs::remove_file(&out);
    let option = |name: &str, path: &Path| {
        let mut option = OsString::from(name);
        option.push(path);
        option
    };
    let wrapper = [
        valgrind.as_os_str().to_owned(),
        "--tool=callgrind".into(),
        option("--callgrind-out-file=", &out),
        // Valgrind's own messages, apart from the function's output (which is none).
        option("--log-file=", &dir.join(format!("{name}.valgrind.log"))),
    ];
    let serve = Serve {
        scenario: payload.scenario,
        payload: payload.bytes.clone(),
        expected: &payload.expected,
        log: &logs.join(format!("{}-{}-callgrind.log", function.name, payload.scenario)),
        wrapper: &wrapper,
        env: &[],
    };
    let result = async {
        let mut session = Session::start(function, &serve)
            .await
            .map_err(|error| format!("starting valgrind: {error}"))?;
        let served = session.serve(n, Instant::now() + RUN_TIMEOUT).await;
        let outcome = session.finish(Stop::Term(EXIT_TIMEOUT)).await;
        problems.check(&what, n, &outcome);
        served?;
        let text = std::fs::read_to_string(&out).map_err(|error| format!("{}: {error}", out.display()))?;
        total_ir(&text).ok_or_else(|| format!("{}: no totals: or summary: line", out.display()))
    }
    .await;
    match result {
        Ok(ir) => (Some(ir), problems),
        Err(error) => {
            problems.0.push(format!("{what}: {error}"));
            (None, problems)
        }
    }
}

/// The total of the first event (Ir, the only one collected) of a callgrind output file: its
/// `totals:` line, or the `summary:` one.
fn total_ir(text: &str) -> Option<u64> {
    let line = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    line("totals:").or_else(|| line("summary:"))
}
