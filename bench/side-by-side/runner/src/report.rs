//! The figures of every round, and the markdown tables they are printed as.

use crate::args::Args;
use crate::payloads::Payload;
use crate::process;
use crate::stand_in::Function;

#[derive(Default)]
pub(crate) struct Series {
    pub(crate) ours: Vec<f64>,
    pub(crate) hand: Vec<f64>,
}

impl Series {
    pub(crate) fn of(&mut self, ours: bool) -> &mut Vec<f64> {
        if ours { &mut self.ours } else { &mut self.hand }
    }
}

pub(crate) fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

pub(crate) fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Per-round ratios ours / hand-written, and the one figure that sums them up.
struct Ratios {
    overall: f64,
    pub(crate) per_round: Vec<f64>,
}

/// A table row: best (lowest) of the rounds and the range, for each function, then the ratio
/// and the range of the per-round ratios: by default the ratio of the bests and the per-round
/// ratios of the two functions' figures; `ratios` when given.
fn row(
    label: &str,
    extra: &str,
    series: &Series,
    ratios: Option<&Ratios>,
    format: impl Fn(f64) -> String,
) -> String {
    let (ours, hand) = (&series.ours, &series.hand);
    if ours.is_empty() || ours.len() != hand.len() {
        return format!("| {label} |{extra} no figures | | | | | |");
    }
    let ratios = match ratios {
        Some(ratios) => Ratios {
            overall: ratios.overall,
            per_round: ratios.per_round.clone(),
        },
        None => Ratios {
            overall: min(ours) / min(hand),
            per_round: ours.iter().zip(hand).map(|(o, h)| o / h).collect(),
        },
    };
    format!(
        "| {label} |{extra} {} | {} to {} | {} | {} to {} | {:.2}x | {:.2}x to {:.2}x |",
        format(min(ours)),
        format(min(ours)),
        format(max(ours)),
        format(min(hand)),
        format(min(hand)),
        format(max(hand)),
        ratios.overall,
        min(&ratios.per_round),
        max(&ratios.per_round),
    )
}

const HEADER: &str =
    "| ours | ours range | hand-written | hand-written range | ours / hand-written | ratio range |";
const RULE: &str = "| --- | --- | --- | --- | --- | --- |";

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

/// The ratio ours / hand-written of CPU per invocation, from chunks `(ours, hand-written)`
/// served one after the other: the median of the per-chunk ratios in the quietest quarter of the
/// chunks, those in which the two functions together used the least CPU. A load that comes and
/// goes falls on both functions of a chunk alike, and the median drops the chunks it split; a
/// load that lasts adds about as much to both and pulls the ratio towards 1: the quietest
/// chunks are those it touched least.
pub(crate) fn quiet_ratio(chunks: &[(f64, f64)]) -> f64 {
    let mut chunks = chunks.to_vec();
    chunks.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
    chunks.truncate(chunks.len().div_ceil(4));
    median(chunks.iter().map(|(ours, hand)| ours / hand).collect())
}

/// The figures of every round.
/// The figures of every round.
pub(crate) struct Figures {
    /// Per payload, in `payloads` order: CPU µs, minor page faults, per invocation; peak MiB.
    pub(crate) cpu: Vec<Series>,
    pub(crate) faults: Vec<Series>,
    pub(crate) rss: Vec<Series>,
    /// Per payload, per round: the CPU per invocation (ns) of ours and hand-written in each
    /// chunk.
    pub(crate) cpu_chunks: Vec<Vec<Vec<(f64, f64)>>>,
    /// Median cold start (ms) of each round.
    pub(crate) cold: Series,
    pub(crate) clock: Option<process::CpuClock>,
    /// Per payload, `--instructions`: instructions per invocation of ours and hand-written.
    pub(crate) instructions: Vec<[Option<f64>; 2]>,
}

/// Prints the markdown tables.
pub(crate) fn print_tables(args: &Args, figures: &Figures, functions: [&Function; 2], payloads: &[Payload]) {
    let rounds = args.rounds;
    println!("## CPU per invocation (µs)\n");
    println!(
        "CPU time of the function process, {}, read when the first answer arrives and when the \
         last does, divided by the invocations in between; user and kernel time. Best of {rounds} \
         rounds. Both processes run side by side and are served in alternating chunks (up to {} \
         per function per round): ours / hand-written is the median of the per-chunk ratios in \
         the quietest quarter of the chunks of all rounds (lowest CPU of both functions \
         together), the ratio range the same in each round.\n",
        figures.clock.map_or("(no reading)", process::CpuClock::describe),
        args.chunks,
    );
    println!("| payload | size | invocations {HEADER}\n| --- | --- | --- {RULE}");
    for ((payload, series), chunks) in payloads.iter().zip(&figures.cpu).zip(&figures.cpu_chunks) {
        let size = payload.bytes.len() as f64 / 1_000.0;
        let n = args.invocations.unwrap_or(payload.invocations);
        let extra = format!(" {size:.1} KB | {n} |");
        let ratios = (!chunks.is_empty()).then(|| Ratios {
            overall: quiet_ratio(&chunks.concat()),
            per_round: chunks.iter().map(|round| quiet_ratio(round)).collect(),
        });
        let micros = |us: f64| format!("{us:.1}");
        println!("{}", row(payload.label, &extra, series, ratios.as_ref(), micros));
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
            row(payload.label, "", series, None, |count| format!("{count:.2}"))
        );
    }

    println!("\n## Peak RSS (MiB)\n");
    println!("VmHWM of the function process at the end of the run above. Best of {rounds} rounds.\n");
    println!("| payload {HEADER}\n| --- {RULE}");
    for (payload, series) in payloads.iter().zip(&figures.rss) {
        println!(
            "{}",
            row(payload.label, "", series, None, |mib| format!("{mib:.1}"))
        );
    }

    if let Some(s3) = payloads.iter().find(|payload| payload.scenario == "s3") {
        print_cold_starts(args, figures, s3);
    }
    print_binary_sizes(functions);
    print_instructions(figures, payloads);
}

fn print_cold_starts(args: &Args, figures: &Figures, s3: &Payload) {
    let rounds = args.rounds;
    println!("\n## Cold start (ms)\n");
    println!(
        "Spawning the process to its first answer received by the stand-in (S3 put), median of {} \
         spawns per round; best of {rounds} rounds.\n",
        args.cold_starts
    );
    println!("| payload {HEADER}\n| --- {RULE}");
    let millis = |ms: f64| format!("{ms:.2}");
    println!("{}", row(s3.label, "", &figures.cold, None, millis));
}

fn print_binary_sizes(functions: [&Function; 2]) {
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

fn print_instructions(figures: &Figures, payloads: &[Payload]) {
    if !figures.instructions.is_empty() {
        println!("\n## Instructions per invocation (callgrind, user space)\n");
        println!(
            "Instructions the function process executes per invocation in user space, all threads, \
             counted by valgrind's callgrind: (Ir(N2) - Ir(N1)) / (N2 - N1) of two runs of N1 and N2 \
             invocations, which cancels start-up; the two functions counted side by side. Nearly \
             deterministic (repeated runs agree within 1 to 2 %), unlike the CPU time above; but it \
             excludes kernel time (system calls, page faults), which the CPU table includes, and \
             weighs every instruction alike (no cache misses).\n"
        );
        println!(
            "| payload | N1 / N2 | ours | hand-written | ours / hand-written |\n| --- | --- | --- | --- | --- |"
        );
        for (payload, counts) in payloads.iter().zip(&figures.instructions) {
            let (n1, n2) = payload.callgrind;
            let count = |count: Option<f64>| count.map_or("-".to_owned(), thousands);
            let ratio = match counts {
                [Some(ours), Some(hand)] => format!("{:.2}x", ours / hand),
                _ => "-".to_owned(),
            };
            println!(
                "| {} | {n1} / {n2} | {} | {} | {ratio} |",
                payload.label,
                count(counts[0]),
                count(counts[1])
            );
        }
    }
}

/// `1234567.4` as `1,234,567`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < -0.5 {
        format!("-{grouped}")
    } else {
        grouped
    }
}
