//! The side-by-side benchmark: builds the framework's function (`ours`) and the hand-written
//! one, serves both the same payloads from the same Runtime API stand-in, and prints markdown
//! tables of CPU per invocation, peak memory, cold start and binary size.
//!
//! ```text
//! cargo run --release -p runner -- [--rounds 3] [--invocations N] [--cold-starts 100] [--no-build]
//! ```

mod payloads;
mod process;
mod stand_in;

use payloads::Payload;
use stand_in::{Function, Outcome, Serve};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: runner [--rounds N] [--invocations N] [--cold-starts N] [--no-build]";

struct Args {
    rounds: usize,
    /// Overrides every payload's default count.
    invocations: Option<usize>,
    cold_starts: usize,
    build: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 3,
        invocations: None,
        cold_starts: 100,
        build: true,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let mut number = || -> Result<usize, String> {
            let value = given.next().ok_or(format!("{flag} needs a number"))?;
            match value.parse() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{flag}: {value:?} is not a positive number")),
            }
        };
        match flag.as_str() {
            "--rounds" => args.rounds = number()?,
            // Two at least: CPU is read between the first answer and the last.
            "--invocations" => args.invocations = Some(number()?.max(2)),
            "--cold-starts" => args.cold_starts = number()?,
            "--no-build" => args.build = false,
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(args)
}

/// Builds each function in its own cargo invocation: built together, their dependencies'
/// features would be unified, and the hand-written function would get the framework's
/// (serde_json's `float_roundtrip`, every `aws_lambda_events` family), which a user's would not.
fn build(workspace: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for package in ["hand-written", "ours"] {
        let status = std::process::Command::new(&cargo)
            .args(["build", "--release", "-p", package])
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
#[derive(Default)]
struct Series {
    ours: Vec<f64>,
    hand: Vec<f64>,
}

impl Series {
    fn of(&mut self, ours: bool) -> &mut Vec<f64> {
        if ours { &mut self.ours } else { &mut self.hand }
    }
}

/// Everything that went wrong, to print after the tables.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    /// Notes what `outcome` did wrong, if anything.
    fn check(&mut self, what: &str, invocations: usize, outcome: &Outcome) {
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

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// A table row: best (lowest) of the rounds and the range, for each function, then the ratio
/// of the bests and the range of the per-round ratios.
fn row(label: &str, extra: &str, series: &Series, format: impl Fn(f64) -> String) -> String {
    let (ours, hand) = (&series.ours, &series.hand);
    if ours.is_empty() || ours.len() != hand.len() {
        return format!("| {label} |{extra} no figures | | | | | |");
    }
    let ratios: Vec<f64> = ours.iter().zip(hand).map(|(o, h)| o / h).collect();
    format!(
        "| {label} |{extra} {} | {} to {} | {} | {} to {} | {:.2}x | {:.2}x to {:.2}x |",
        format(min(ours)),
        format(min(ours)),
        format(max(ours)),
        format(min(hand)),
        format(min(hand)),
        format(max(hand)),
        min(ours) / min(hand),
        min(&ratios),
        max(&ratios),
    )
}

const HEADER: &str =
    "| ours | ours range | hand-written | hand-written range | ours / hand-written | ratio range |";
const RULE: &str = "| --- | --- | --- | --- | --- | --- |";

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

/// The figures of every round.
struct Figures {
    /// Per payload, in `payloads` order: CPU µs, minor page faults, per invocation; peak MiB.
    cpu: Vec<Series>,
    faults: Vec<Series>,
    rss: Vec<Series>,
    /// Median cold start (ms) of each round.
    cold: Series,
    clock: Option<process::CpuClock>,
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
        cold: Series::default(),
        clock: None,
    };
    let mut problems = Problems::default();
    for round in 1..=args.rounds {
        for (index, payload) in payloads.iter().enumerate() {
            // Alternated: ours, hand-written, ours, ..., so that a change in the machine's load
            // falls on both alike.
            for function in functions {
                let n = args.invocations.unwrap_or(payload.invocations);
                let serve = Serve {
                    scenario: payload.scenario,
                    payload: payload.bytes.clone(),
                    expected: &payload.expected,
                    invocations: n,
                    timeout: Duration::from_secs(120),
                    log: &logs.join(format!("{}-{}.log", function.name, payload.scenario)),
                };
                let started = Instant::now();
                let what = format!("round {round}, {}, {}", payload.label, function.name);
                let outcome = match stand_in::run(function, &serve).await {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        problems.0.push(format!("{what}: {error}"));
                        continue;
                    }
                };
                eprintln!(
                    "{what}: {n} invocations in {:.2} s",
                    started.elapsed().as_secs_f64()
                );
                problems.check(&what, n, &outcome);
                let ours = function.name == "ours";
                if let Some((first, last)) = outcome.between {
                    figures.clock = Some(last.clock);
                    let per_invocation = |from: u64, to: u64| to.saturating_sub(from) as f64 / (n - 1) as f64;
                    let cpu_ns = per_invocation(first.cpu_ns, last.cpu_ns);
                    figures.cpu[index].of(ours).push(cpu_ns / 1_000.0);
                    let faults = per_invocation(first.minor_faults, last.minor_faults);
                    figures.faults[index].of(ours).push(faults);
                }
                if let Some(kib) = outcome.peak_rss_kib {
                    figures.rss[index].of(ours).push(kib as f64 / 1_024.0);
                }
            }
        }

        // Cold start: the S3 payload, one invocation per process.
        let s3 = &payloads[0];
        let mut spawns = Series::default();
        for _ in 0..args.cold_starts {
            for function in functions {
                let serve = Serve {
                    scenario: s3.scenario,
                    payload: s3.bytes.clone(),
                    expected: &s3.expected,
                    invocations: 1,
                    timeout: Duration::from_secs(10),
                    log: &logs.join(format!("{}-cold-start.log", function.name)),
                };
                let what = format!("round {round}, cold start, {}", function.name);
                match stand_in::run(function, &serve).await {
                    Ok(outcome) => {
                        problems.check(&what, 1, &outcome);
                        if let Some(time) = outcome.first_answer {
                            spawns
                                .of(function.name == "ours")
                                .push(time.as_secs_f64() * 1_000.0);
                        }
                    }
                    Err(error) => problems.0.push(format!("{what}: {error}")),
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

/// Prints the markdown tables.
fn print_tables(args: &Args, figures: &Figures, functions: [&Function; 2], payloads: &[Payload]) {
    let rounds = args.rounds;
    println!("## CPU per invocation (µs)\n");
    println!(
        "CPU time of the function process, {}, read when the first answer arrives and when the \
         last does, divided by the invocations in between. Best of {rounds} rounds.\n",
        figures.clock.map_or("(no reading)", process::CpuClock::describe),
    );
    println!("| payload | size | invocations {HEADER}\n| --- | --- | --- {RULE}");
    for (payload, series) in payloads.iter().zip(&figures.cpu) {
        let size = payload.bytes.len() as f64 / 1_000.0;
        let n = args.invocations.unwrap_or(payload.invocations);
        let extra = format!(" {size:.1} KB | {n} |");
        println!("{}", row(payload.label, &extra, series, |us| format!("{us:.1}")));
    }

    println!("\n## Minor page faults per invocation\n");
    println!(
        "From /proc/PID/stat, over the same invocations: fresh memory touched, which costs kernel \
         time (included above). Best of {rounds} rounds.\n"
    );
    println!("| payload {HEADER}\n| --- {RULE}");
    for (payload, series) in payloads.iter().zip(&figures.faults) {
        println!(
            "{}",
            row(payload.label, "", series, |count| format!("{count:.2}"))
        );
    }

    println!("\n## Peak RSS (MiB)\n");
    println!("VmHWM of the function process at the end of the run above. Best of {rounds} rounds.\n");
    println!("| payload {HEADER}\n| --- {RULE}");
    for (payload, series) in payloads.iter().zip(&figures.rss) {
        println!("{}", row(payload.label, "", series, |mib| format!("{mib:.1}")));
    }

    println!("\n## Cold start (ms)\n");
    println!(
        "Spawning the process to its first answer received by the stand-in (S3 put), median of {} \
         spawns per round; best of {rounds} rounds.\n",
        args.cold_starts
    );
    println!("| payload {HEADER}\n| --- {RULE}");
    println!(
        "{}",
        row(payloads[0].label, "", &figures.cold, |ms| format!("{ms:.2}"))
    );

    println!("\n## Binary size (stripped, release)\n");
    let bytes = |function: &Function| std::fs::metadata(&function.path).map(|metadata| metadata.len());
    let [ours, hand] = functions.map(bytes);
    let mib = |bytes: u64| format!("{bytes} bytes ({:.2} MiB)", bytes as f64 / 1_048_576.0);
    println!("| ours | hand-written | ours / hand-written |\n| --- | --- | --- |");
    match (ours, hand) {
        (Ok(ours), Ok(hand)) => println!(
            "| {} | {} | {:.2}x |",
            mib(ours),
            mib(hand),
            ours as f64 / hand as f64
        ),
        (ours, hand) => println!("| {ours:?} | {hand:?} | - |"),
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    if args.build
        && let Err(error) = build(workspace)
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
        Ok(payloads) => payloads,
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
    let (figures, problems) = runtime.block_on(measure(&args, [&ours, &hand], &payloads, &logs));
    print_tables(&args, &figures, [&ours, &hand], &payloads);

    // Any log output is a surprise: neither function logs per invocation at INFO.
    let logged: u64 = std::fs::read_dir(&logs)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|metadata| metadata.len())
        .sum();
    println!(
        "\n{} rounds in {:.0} s; function logs: {logged} bytes (in {}).",
        args.rounds,
        started.elapsed().as_secs_f64(),
        logs.display()
    );
    if problems.0.is_empty() {
        println!("Every invocation got the expected response.");
        ExitCode::SUCCESS
    } else {
        println!("\n## Problems\n");
        for problem in &problems.0 {
            println!("- {problem}");
        }
        ExitCode::FAILURE
    }
}
