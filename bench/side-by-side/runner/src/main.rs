//! The side-by-side benchmark: builds the framework's function (`ours`) and the hand-written
//! one, serves both the same payloads from the same Runtime API stand-in, and prints markdown
//! tables of CPU per invocation, page faults, peak memory, cold start, binary size and
//! instructions per invocation counted by callgrind (when valgrind is installed).
//!
//! ```text
//! cargo run --release -p runner -- [--rounds 3] [--invocations N] [--chunks 20] [--cold-starts 100]
//!     [--instructions | --no-instructions] [--no-build]
//! ```

mod args;
mod concurrent;
mod instructions;
mod payloads;
mod process;
mod report;
mod stand_in;

use args::{Args, USAGE, parse_args};
use payloads::Payload;
use report::{Figures, Series, max, median, min, print_tables, quiet_ratio};
use stand_in::{Function, Outcome, Serve, Session, Stop};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Builds each function in its own cargo invocation: built together, their dependencies'
/// features would be unified, and the hand-written function would get the framework's
/// (serde_json's `float_roundtrip`, every `aws_lambda_events` family), which a user's would not.
fn build(workspace: &Path, args: &Args) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for package in ["hand-written", "ours"] {
        let own = if package == "ours" {
            args.ours_features.as_deref()
        } else {
            None
        };
        let features: Vec<&str> = args.features.as_deref().into_iter().chain(own).collect();
        let mut command = std::process::Command::new(&cargo);
        command.args(["build", "--release", "-p", package]);
        if !features.is_empty() {
            command.args(["--features", &features.join(",")]);
        }
        let status = command
            .current_dir(workspace)
            .status()
            .map_err(|error| format!("cargo: {error}"))?;
        if !status.success() {
            return Err(format!("building {package} failed ({status})"));
        }
    }
    Ok(())
}

/// One figure of one function, per round.
/// Everything that went wrong, to print after the tables.
#[derive(Default)]
pub(crate) struct Problems(Vec<String>);

impl Problems {
    /// Prints them (or that there were none) and the exit code they make.
    fn report(&self) -> ExitCode {
        if self.0.is_empty() {
            println!("Every invocation got the expected response.");
            ExitCode::SUCCESS
        } else {
            println!("\n## Problems\n");
            for problem in &self.0 {
                println!("- {problem}");
            }
            ExitCode::FAILURE
        }
    }

    /// Notes what `outcome` did wrong, if anything.
    pub(crate) fn check(&mut self, what: &str, invocations: usize, outcome: &Outcome) {
        if outcome.answered < invocations {
            self.0
                .push(format!("{what}: {} of {invocations} answered", outcome.answered));
        }
        if outcome.wrong_count > 0 {
            self.0.push(format!(
                "{what}: {} wrong answers, e.g. {}",
                outcome.wrong_count,
                outcome.wrong.join("; ")
            ));
        }
        if let Some(status) = outcome.exited {
            self.0
                .push(format!("{what}: the process exited by itself ({status})"));
        }
    }
}

/// `total` invocations split into `count` chunks (fewer if there are fewer invocations), whose
/// sizes differ by one at most.
fn chunk_sizes(total: usize, count: usize) -> Vec<usize> {
    let count = count.clamp(1, total.max(1));
    (0..count)
        .map(|i| total / count + usize::from(i < total % count))
        .collect()
}

/// What serving one payload to both functions gave.
struct Run {
    /// Per function (ours, hand-written): its counters after the first invocation, then after
    /// each chunk.
    readings: [Vec<process::Reading>; 2],
    /// The invocations of each chunk.
    sizes: Vec<usize>,
    /// Per function, VmHWM (KiB) at the end.
    peak_rss_kib: [Option<u64>; 2],
}

/// Serves `payload` `n` times to both functions, both processes alive: the first invocation of
/// each, then the other `n - 1` in chunks, alternating the functions (ours first in even chunks,
/// hand-written first in odd ones), so that a change in the machine's load falls on both alike.
async fn serve_both(
    functions: [&Function; 2],
    payload: &Payload,
    n: usize,
    chunks: usize,
    logs: &Path,
    what: &str,
    problems: &mut Problems,
) -> Option<Run> {
    let mut sessions = Vec::new();
    for function in functions {
        let serve = Serve {
            scenario: payload.scenario,
            payload: payload.bytes.clone(),
            expected: &payload.expected,
            log: &logs.join(format!("{}-{}.log", function.name, payload.scenario)),
            wrapper: &[],
            env: &[],
        };
        match Session::start(function, &serve).await {
            Ok(session) => sessions.push(session),
            Err(error) => problems.0.push(format!("{what}, {}: {error}", function.name)),
        }
    }
    let Ok(mut sessions): Result<[Session; 2], _> = sessions.try_into() else {
        return None; // the one started, if any, is killed on drop
    };
    let sizes = chunk_sizes(n - 1, chunks);
    let deadline = Instant::now() + Duration::from_secs(240);
    let steps = std::iter::once(([0, 1], 1)).chain(
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| (if i % 2 == 0 { [0, 1] } else { [1, 0] }, size)),
    );
    let mut readings: [Vec<process::Reading>; 2] = Default::default();
    let mut complete = true;
    'steps: for (order, size) in steps {
        for f in order {
            let problem = match sessions[f].serve(size, deadline).await {
                Ok(Some(reading)) => {
                    readings[f].push(reading);
                    continue;
                }
                Ok(None) => "could not read /proc".to_owned(),
                Err(error) => error,
            };
            problems
                .0
                .push(format!("{what}, {}: {problem}", functions[f].name));
            complete = false;
            break 'steps;
        }
    }
    let mut peak_rss_kib = [None; 2];
    for (f, session) in sessions.into_iter().enumerate() {
        let outcome = session.finish(Stop::Kill).await;
        problems.check(&format!("{what}, {}", functions[f].name), n, &outcome);
        peak_rss_kib[f] = outcome.peak_rss_kib;
    }
    complete.then_some(Run {
        readings,
        sizes,
        peak_rss_kib,
    })
}

/// Runs every payload against both functions, then the cold starts, `args.rounds` times.
async fn measure(
    args: &Args,
    functions: [&Function; 2],
    payloads: &[Payload],
    logs: &Path,
) -> (Figures, Problems) {
    let series = || payloads.iter().map(|_| Series::default()).collect();
    let mut figures = Figures {
        cpu: series(),
        faults: series(),
        rss: series(),
        cpu_chunks: payloads.iter().map(|_| Vec::new()).collect(),
        cold: Series::default(),
        clock: None,
        instructions: Vec::new(),
    };
    let mut problems = Problems::default();
    for round in 1..=args.rounds {
        for (index, payload) in payloads.iter().enumerate() {
            let n = args.invocations.unwrap_or(payload.invocations);
            let what = format!("round {round}, {}", payload.label);
            let started = Instant::now();
            let Some(run) = serve_both(functions, payload, n, args.chunks, logs, &what, &mut problems).await
            else {
                continue;
            };
            for (f, readings) in run.readings.iter().enumerate() {
                let ours = f == 0;
                let (first, last) = (readings[0], readings[readings.len() - 1]);
                figures.clock = Some(last.clock);
                let per_invocation = |from: u64, to: u64| to.saturating_sub(from) as f64 / (n - 1) as f64;
                let cpu_ns = per_invocation(first.cpu_ns, last.cpu_ns);
                figures.cpu[index].of(ours).push(cpu_ns / 1_000.0);
                let faults = per_invocation(first.minor_faults, last.minor_faults);
                figures.faults[index].of(ours).push(faults);
                if let Some(kib) = run.peak_rss_kib[f] {
                    figures.rss[index].of(ours).push(kib as f64 / 1_024.0);
                }
            }
            let chunk_cpu = |readings: &[process::Reading]| -> Vec<f64> {
                readings
                    .windows(2)
                    .zip(&run.sizes)
                    .map(|(pair, &size)| pair[1].cpu_ns.saturating_sub(pair[0].cpu_ns) as f64 / size as f64)
                    .collect::<Vec<_>>()
            };
            let [ours, hand] = &run.readings;
            let chunks: Vec<(f64, f64)> = chunk_cpu(ours).into_iter().zip(chunk_cpu(hand)).collect();
            let ratios: Vec<f64> = chunks.iter().map(|(o, h)| o / h).collect();
            eprintln!(
                "{what}: {n} invocations each, {} chunks, in {:.2} s; CPU ours / hand-written: \
                 {:.2} in the quietest quarter of the chunks, {:.2} to {:.2} in all",
                run.sizes.len(),
                started.elapsed().as_secs_f64(),
                quiet_ratio(&chunks),
                min(&ratios),
                max(&ratios),
            );
            figures.cpu_chunks[index].push(chunks);
        }

        // Cold start: the S3 payload, one invocation per process.
        let Some(s3) = payloads.iter().find(|payload| payload.scenario == "s3") else {
            continue;
        };
        let mut spawns = Series::default();
        for _ in 0..args.cold_starts {
            for function in functions {
                let serve = Serve {
                    scenario: s3.scenario,
                    payload: s3.bytes.clone(),
                    expected: &s3.expected,
                    log: &logs.join(format!("{}-cold-start.log", function.name)),
                    wrapper: &[],
                    env: &[],
                };
                let what = format!("round {round}, cold start, {}", function.name);
                let mut session = match Session::start(function, &serve).await {
                    Ok(session) => session,
                    Err(error) => {
                        problems.0.push(format!("{what}: {error}"));
                        continue;
                    }
                };
                let served = session.serve(1, Instant::now() + Duration::from_secs(10)).await;
                let outcome = session.finish(Stop::Kill).await;
                if let Err(error) = served {
                    problems.0.push(format!("{what}: {error}"));
                }
                problems.check(&what, 1, &outcome);
                if let Some(time) = outcome.first_answer {
                    spawns
                        .of(function.name == "ours")
                        .push(time.as_secs_f64() * 1_000.0);
                }
            }
        }
        eprintln!("round {round}: cold starts done");
        if !spawns.ours.is_empty() && !spawns.hand.is_empty() {
            figures.cold.ours.push(median(spawns.ours));
            figures.cold.hand.push(median(spawns.hand));
        }
    }
    (figures, problems)
}

/// Counts instructions per invocation of every payload under callgrind, for both functions.
async fn count_instructions(
    valgrind: &Path,
    functions: [&Function; 2],
    payloads: &[Payload],
    dir: &Path,
    logs: &Path,
    problems: &mut Problems,
) -> Vec<[Option<f64>; 2]> {
    let mut counts = Vec::new();
    for payload in payloads {
        counts.push(instructions::per_invocation(valgrind, functions, payload, dir, logs, problems).await);
    }
    counts
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let _ = stand_in::FUNCTION_ENV.set(args.env.clone());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    if args.build
        && let Err(error) = build(workspace, &args)
    {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
    // The functions are built beside this binary (same target directory and profile).
    let bin_dir: PathBuf = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .expect("the runner's directory");
    let ours = Function {
        name: "ours",
        path: bin_dir.join("ours"),
    };
    let hand = Function {
        name: "hand-written",
        path: bin_dir.join("hand-written"),
    };
    let payloads = match payloads::all(&workspace.join("events")) {
        Ok(mut payloads) => {
            if let Some(only) = &args.only {
                payloads.retain(|payload| only.iter().any(|name| name == payload.scenario));
                if payloads.is_empty() {
                    eprintln!("error: --only names no scenario");
                    return ExitCode::from(2);
                }
            }
            payloads
        }
        Err(error) => {
            eprintln!("error: reading the payloads: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Emptied first: the logs are appended to, and their total size is reported at the end.
    let logs = bin_dir.join("side-by-side-logs");
    let _ = std::fs::remove_dir_all(&logs);
    if let Err(error) = std::fs::create_dir_all(&logs) {
        eprintln!("error: {}: {error}", logs.display());
        return ExitCode::FAILURE;
    }

    let started = Instant::now();
    // One thread: the stand-in and the readings stay on one core, leaving the other to the
    // function (2 cores here).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if args.concurrent {
        let mut problems = Problems::default();
        runtime.block_on(concurrent::run([&ours, &hand], args.rounds, &logs, &mut problems));
        println!(
            "\n{} rounds in {:.0} s.",
            args.rounds,
            started.elapsed().as_secs_f64()
        );
        return problems.report();
    }
    let (mut figures, mut problems) = runtime.block_on(measure(&args, [&ours, &hand], &payloads, &logs));
    let measured = started.elapsed();
    let valgrind = match args.instructions {
        Some(false) => None,
        Some(true) => {
            let found = instructions::find_valgrind();
            if found.is_none() {
                problems
                    .0
                    .push("--instructions: no valgrind on the PATH".to_owned());
            }
            found
        }
        None => {
            let found = instructions::find_valgrind();
            if found.is_none() {
                eprintln!("no valgrind on the PATH: instructions not counted");
            }
            found
        }
    };
    if let Some(valgrind) = valgrind {
        // Callgrind's output files, and valgrind's messages, beside the logs.
        let dir = bin_dir.join("side-by-side-callgrind");
        let _ = std::fs::remove_dir_all(&dir);
        match std::fs::create_dir_all(&dir) {
            Ok(()) => {
                figures.instructions = runtime.block_on(count_instructions(
                    &valgrind,
                    [&ours, &hand],
                    &payloads,
                    &dir,
                    &logs,
                    &mut problems,
                ));
            }
            Err(error) => problems.0.push(format!("{}: {error}", dir.display())),
        }
    }
    print_tables(&args, &figures, [&ours, &hand], &payloads);

    // Any log output is a surprise: neither function logs per invocation at INFO.
    let logged: u64 = std::fs::read_dir(&logs)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|metadata| metadata.len())
        .sum();
    let counted = started.elapsed() - measured;
    println!(
        "\n{} rounds in {:.0} s{}; function logs: {logged} bytes (in {}).",
        args.rounds,
        measured.as_secs_f64(),
        if figures.instructions.is_empty() {
            String::new()
        } else {
            format!(", instructions counted in {:.0} s", counted.as_secs_f64())
        },
        logs.display()
    );
    problems.report()
}
