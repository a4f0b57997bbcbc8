//! The runner's command-line arguments.

pub(crate) const USAGE: &str = "usage: runner [--rounds N] [--invocations N] [--chunks N] [--cold-starts N] \
                     [--instructions | --no-instructions] [--no-build]";

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
}

pub(crate) fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 3,
        invocations: None,
        chunks: 20,
        cold_starts: 100,
        instructions: None,
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
            "--chunks" => args.chunks = number()?,
            "--cold-starts" => args.cold_starts = number()?,
            "--instructions" => args.instructions = Some(true),
            "--no-instructions" => args.instructions = Some(false),
            "--no-build" => args.build = false,
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(args)
}
