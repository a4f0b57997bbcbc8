//! The runner's command-line arguments.

pub(crate) const USAGE: &str = "usage: runner [--rounds N] [--invocations N] [--chunks N] [--cold-starts N] \
                     [--instructions | --no-instructions] [--no-build] [--only SCENARIO,..] [--env KEY=VALUE].. \
                     [--features F,..] [--ours-features F,..] [--concurrent]";

pub(crate) struct Args {
    pub(crate) rounds: usize,
    /// Overrides every payload's default count.
    pub(crate) invocations: Option<usize>,
    /// Each run's invocations (after the first) are served in this many chunks, alternating
    /// the two functions.
    pub(crate) chunks: usize,
    pub(crate) cold_starts: usize,
    /// Counts instructions per invocation under callgrind, after the rounds: `Some(true)`
    /// (`--instructions`) or by default (`None`) when valgrind is on the PATH; a missing
    /// valgrind is a problem only with `--instructions`.
    pub(crate) instructions: Option<bool>,
    pub(crate) build: bool,
    /// Serves only these scenarios (`SCENARIO` names, e.g. `sqs-batch,sqs-6mb`); the cold
    /// starts, which use the S3 payload, run only if `s3` is among them.
    pub(crate) only: Option<Vec<String>>,
    /// Added to both functions' environment.
    pub(crate) env: Vec<(String, String)>,
    /// Cargo features of both functions (`mimalloc`, `jemalloc`: the global allocator).
    pub(crate) features: Option<String>,
    /// Cargo features of ours only (`simd`).
    pub(crate) ours_features: Option<String>,
    /// Runs the concurrent scenario (Lambda Managed Instances) instead of the payloads.
    pub(crate) concurrent: bool,
}

pub(crate) fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 3,
        invocations: None,
        chunks: 20,
        cold_starts: 100,
        instructions: None,
        build: true,
        only: None,
        env: Vec::new(),
        features: None,
        ours_features: None,
        concurrent: false,
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
            "--chunks" => args.chunks = number()?,
            "--cold-starts" => args.cold_starts = number()?,
            "--instructions" => args.instructions = Some(true),
            "--no-instructions" => args.instructions = Some(false),
            "--no-build" => args.build = false,
            "--concurrent" => args.concurrent = true,
            "--env" => {
                let pair = given.next().ok_or("--env needs KEY=VALUE")?;
                let (key, value) = pair
                    .split_once('=')
                    .ok_or(format!("--env: {pair:?} is not KEY=VALUE"))?;
                args.env.push((key.to_owned(), value.to_owned()));
            }
            "--features" => args.features = Some(given.next().ok_or("--features needs a list")?),
            "--ours-features" => {
                args.ours_features = Some(given.next().ok_or("--ours-features needs a list")?)
            }
            "--only" => {
                let list = given.next().ok_or("--only needs a list of scenarios")?;
                args.only = Some(list.split(',').map(str::to_owned).collect());
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(args)
}
