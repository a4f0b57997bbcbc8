//! The concurrent scenario (`--concurrent`): Lambda Managed Instances, where one process runs
//! up to `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once. Both functions get the variable and
//! poll `/next` with that many workers (`lambda_runtime::run_concurrent`); the stand-in hands
//! a release of invocations to whichever pollers wait. Two handlers: I/O-bound (a 20 ms sleep,
//! as waiting on a service) and CPU-bound (about a millisecond of arithmetic). Each answers its
//! own request id, which the stand-in checks against the invocation it posts for: an answer
//! mixed up between invocations is a wrong answer.

use crate::Problems;
use crate::payloads::concurrent_event;
use crate::report::{Series, max, median, min};
use crate::stand_in::{Function, REQUEST_ID, Serve, Session, Stop};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// The concurrencies measured, as the issue asks.
const CONCURRENCIES: [usize; 3] = [1, 8, 64];

/// One handler at one concurrency.
struct Case {
    /// `bench.io` or `bench.cpu`: the event's type, and the hand-written function's SCENARIO.
    kind: &'static str,
    concurrency: usize,
    /// Invocations per timed run: about a second of work for either function.
    invocations: usize,
}

#[derive(Default)]
struct CaseFigures {
    /// Invocations answered per second.
    throughput: Series,
    /// CPU µs per invocation.
    cpu: Series,
    /// VmHWM at the end, MiB.
    rss: Series,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for kind in ["io", "cpu"] {
        for concurrency in CONCURRENCIES {
            let invocations = match kind {
                // 20 ms each, `concurrency` at a time: 50 per second per poller.
                "io" => (50 * concurrency).max(100),
                // About 1.3 ms of CPU each, two cores at most.
                _ => 800,
            };
            cases.push(Case {
                kind,
                concurrency,
                invocations,
            });
        }
    }
    cases
}

/// What one function did in one run of a case.
struct RunFigures {
    throughput: f64,
    cpu_us: f64,
    rss_mib: Option<f64>,
}

/// Serves `case` to both functions `rounds` times, alternating which goes first, and prints
/// the table.
pub(crate) async fn run(functions: [&Function; 2], rounds: usize, logs: &Path, problems: &mut Problems) {
    let cases = cases();
    let mut figures: Vec<CaseFigures> = cases.iter().map(|_| CaseFigures::default()).collect();
    for round in 1..=rounds {
        for (case, figures) in cases.iter().zip(&mut figures) {
            let order = if round % 2 == 1 { [0, 1] } else { [1, 0] };
            let mut both: [Option<RunFigures>; 2] = [None, None];
            for f in order {
                let what = format!(
                    "round {round}, {} at concurrency {}, {}",
                    case.kind, case.concurrency, functions[f].name
                );
                match serve(functions[f], case, logs, &what, problems).await {
                    Some(run) => both[f] = Some(run),
                    None => continue,
                }
            }
            if let [Some(ours), Some(hand)] = both {
                eprintln!(
                    "round {round}, {} at {}: {:.0} / {:.0} invocations per second, {:.0} / {:.0} µs CPU each",
                    case.kind, case.concurrency, ours.throughput, hand.throughput, ours.cpu_us, hand.cpu_us
                );
                for (ours_side, run) in [(true, ours), (false, hand)] {
                    figures.throughput.of(ours_side).push(run.throughput);
                    figures.cpu.of(ours_side).push(run.cpu_us);
                    if let Some(rss) = run.rss_mib {
                        figures.rss.of(ours_side).push(rss);
                    }
                }
            }
        }
    }
    print(&cases, &figures, rounds);
}

/// One function serving one case: a first release of `concurrency` invocations (every poller
/// busy once: start-up and first-invocation costs), then the timed run.
async fn serve(
    function: &Function,
    case: &Case,
    logs: &Path,
    what: &str,
    problems: &mut Problems,
) -> Option<RunFigures> {
    let expected = Value::from(REQUEST_ID);
    let env = [("AWS_LAMBDA_MAX_CONCURRENCY", case.concurrency.to_string())];
    let serve = Serve {
        scenario: case.kind,
        payload: concurrent_event(case.kind),
        expected: &expected,
        log: &logs.join(format!("{}-concurrent-{}.log", function.name, case.kind)),
        wrapper: &[],
        env: &env,
    };
    let mut session = match Session::start(function, &serve).await {
        Ok(session) => session,
        Err(error) => {
            problems.0.push(format!("{what}: {error}"));
            return None;
        }
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let measured = async {
        let before = session.serve(case.concurrency, deadline).await?;
        let started = Instant::now();
        let after = session.serve(case.invocations, deadline).await?;
        let elapsed = started.elapsed();
        Ok::<_, String>((before, after, elapsed))
    }
    .await;
    let outcome = session.finish(Stop::Kill).await;
    problems.check(what, case.concurrency + case.invocations, &outcome);
    let (before, after, elapsed) = match measured {
        Ok((Some(before), Some(after), elapsed)) => (before, after, elapsed),
        Ok(_) => {
            problems.0.push(format!("{what}: could not read /proc"));
            return None;
        }
        Err(error) => {
            problems.0.push(format!("{what}: {error}"));
            return None;
        }
    };
    Some(RunFigures {
        throughput: case.invocations as f64 / elapsed.as_secs_f64(),
        cpu_us: after.cpu_ns.saturating_sub(before.cpu_ns) as f64 / case.invocations as f64 / 1_000.0,
        rss_mib: outcome.peak_rss_kib.map(|kib| kib as f64 / 1_024.0),
    })
}

/// `median (min to max)` of each function, and the ratio of the medians with the range of the
/// per-round ratios.
fn cells(series: &Series, format: impl Fn(f64) -> String) -> String {
    let (ours, hand) = (&series.ours, &series.hand);
    if ours.is_empty() || ours.len() != hand.len() {
        return "no figures | | ".to_owned();
    }
    let ratios: Vec<f64> = ours.iter().zip(hand).map(|(o, h)| o / h).collect();
    format!(
        "{} ({} to {}) | {} ({} to {}) | {:.2}x ({:.2}x to {:.2}x)",
        format(median(ours.clone())),
        format(min(ours)),
        format(max(ours)),
        format(median(hand.clone())),
        format(min(hand)),
        format(max(hand)),
        median(ours.clone()) / median(hand.clone()),
        min(&ratios),
        max(&ratios),
    )
}

fn print(cases: &[Case], figures: &[CaseFigures], rounds: usize) {
    println!("## Concurrent invocations (Lambda Managed Instances)\n");
    println!(
        "Both functions run with AWS_LAMBDA_MAX_CONCURRENCY = N and poll /next with N workers; \
         after a first release of N invocations, the stand-in releases the timed run's all at \
         once. Throughput: invocations answered per second of that run; CPU: the process's CPU \
         time over it per invocation; peak RSS: VmHWM at the end. Median of {rounds} rounds \
         (range), the functions alternating which runs first; the ratio is ours / hand-written \
         of the medians (range of the per-round ratios). Every answer is the invocation's own \
         request id, checked by the stand-in.\n"
    );
    println!(
        "| handler | N | invocations | throughput/s ours | hand-written | ours / hand-written | CPU µs ours | hand-written | ours / hand-written | peak RSS MiB ours | hand-written | ours / hand-written |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (case, figures) in cases.iter().zip(figures) {
        let handler = match case.kind {
            "io" => "I/O-bound (20 ms sleep)",
            _ => "CPU-bound (~1 ms)",
        };
        println!(
            "| {handler} | {} | {} | {} | {} | {} |",
            case.concurrency,
            case.invocations,
            cells(&figures.throughput, |v| format!("{v:.0}")),
            cells(&figures.cpu, |v| format!("{v:.0}")),
            cells(&figures.rss, |v| format!("{v:.1}")),
        );
    }
}
