//! The command line every application gets when it is not running on Lambda:
//! `APP invoke [FILE...]`, `APP classify FILE...`, `APP routes`.

use crate::context::Context;
use crate::dispatch::Dispatcher;
use clap::{Arg, ArgAction, Command};
use cloud_events_core::classify;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tokio::io::AsyncReadExt;
use tracing::Instrument;

fn command(name: String) -> Command {
    Command::new(name)
        .about("Dispatch cloud events to this application's handlers, locally (on AWS Lambda, the same binary serves the Runtime API)")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("invoke")
                .about("Dispatch each event (a JSON file; `-` or none for stdin) and print the JSON response Lambda would get, one line per event")
                .arg(Arg::new("files").value_name("FILE").action(ArgAction::Append)),
        )
        .subcommand(
            Command::new("classify")
                .about("Print FILE<TAB>ROUTE_KEY for each file (`unclassified`, or `error: <reason>` for invalid input)")
                .arg(Arg::new("files").value_name("FILE").action(ArgAction::Append).required(true)),
        )
        .subcommand(
            Command::new("explain")
                .about("Show how an event is routed: its classification, every handler considered and why it matches or not, and what runs")
                .arg(Arg::new("file").value_name("FILE").required(true)),
        )
        .subcommand(
            Command::new("sample")
                .about("Print a realistic sample event of a kind (e.g. `sample aws.s3`); without a kind, list the kinds")
                .arg(Arg::new("kind").value_name("KIND")),
        )
        .subcommand(Command::new("routes").about(
            "List the registered handlers in priority order: route, conditions, rank, handler, source location",
        ))
}

/// Runs the command line; `args` includes the program name.
pub(crate) async fn main(dispatcher: Dispatcher, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut args = args.into_iter().peekable();
    let program = args
        .peek()
        .and_then(|arg| {
            Path::new(arg)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "app".to_owned());
    let matches = match command(program.clone()).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let files = |sub: &clap::ArgMatches| -> Vec<String> {
        sub.get_many::<String>("files")
            .map(|files| files.cloned().collect())
            .unwrap_or_default()
    };
    match matches.subcommand() {
        Some(("invoke", sub)) => invoke(&dispatcher, &program, files(sub)).await,
        Some(("classify", sub)) => classify_files(files(sub)).await,
        Some(("routes", _)) => routes(&dispatcher),
        Some(("explain", sub)) => match sub.get_one::<String>("file") {
            Some(file) => explain(&dispatcher, file).await,
            None => ExitCode::from(2),
        },
        Some(("sample", sub)) => sample(sub.get_one::<String>("kind").map(String::as_str)),
        _ => ExitCode::from(2),
    }
}

async fn read_input(file: &str) -> std::io::Result<Vec<u8>> {
    if file == "-" {
        let mut bytes = Vec::new();
        tokio::io::stdin().read_to_end(&mut bytes).await?;
        Ok(bytes)
    } else {
        tokio::fs::read(file).await
    }
}

async fn invoke(dispatcher: &Dispatcher, program: &str, mut files: Vec<String>) -> ExitCode {
    if files.is_empty() {
        files.push("-".to_owned());
    }
    let mut failed = false;
    for (sequence, file) in files.iter().enumerate() {
        let bytes = match read_input(file).await {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("error: cannot read {file}: {error}");
                failed = true;
                continue;
            }
        };
        // The bytes as Lambda would deliver them, on the Lambda path itself: the same answer.
        let context = Context::local(sequence + 1, program);
        let span = tracing::info_span!(
            "invoke",
            file = file.as_str(),
            requestId = context.request_id.as_str()
        );
        let (result, documents) = dispatcher
            .dispatch_metered(bytes.into(), context)
            .instrument(span)
            .await;
        // Metric documents on stderr, with the logs: stdout is the answers, one per line.
        if !documents.is_empty() {
            crate::dispatch::write_documents(&mut std::io::stderr().lock(), &documents);
        }
        let line = match result {
            Ok(response) => response,
            Err(error) => {
                failed = true;
                error.to_json()
            }
        };
        println!("{line}");
    }
    let _ = std::io::stdout().flush();
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

async fn classify_files(files: Vec<String>) -> ExitCode {
    let mut unreadable = false;
    for file in files {
        match read_input(&file).await {
            Ok(bytes) => match classify(&bytes) {
                Ok(classification) => println!("{file}\t{}", classification.route_key()),
                Err(error) => println!("{file}\terror: {error}"),
            },
            Err(error) => {
                eprintln!("error: cannot read {file}: {error}");
                unreadable = true;
            }
        }
    }
    if unreadable {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn routes(dispatcher: &Dispatcher) -> ExitCode {
    for warning in dispatcher.warnings() {
        eprintln!("warning: {warning}");
    }
    for handler in dispatcher.handlers() {
        let conditions = handler.conditions();
        println!(
            "{}\t{}\trank {}\t{}\t{}",
            handler.route.key(),
            conditions,
            handler.rank,
            handler.path(),
            handler.location()
        );
    }
    ExitCode::SUCCESS
}

fn sample(kind: Option<&str>) -> ExitCode {
    let Some(key) = kind else {
        for kind in cloud_events_core::Kind::ALL {
            println!("{}\t{}", kind.key(), kind.title());
        }
        return ExitCode::SUCCESS;
    };
    match cloud_events_core::Kind::from_key(key) {
        Some(kind) => {
            print!("{}", kind.sample());
            ExitCode::SUCCESS
        }
        None => {
            let closest = cloud_events_core::Kind::closest_keys(key, 3);
            eprintln!(
                "error: unknown kind `{key}`{}",
                if closest.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", closest.join(", "))
                }
            );
            ExitCode::from(2)
        }
    }
}

async fn explain(dispatcher: &Dispatcher, file: &str) -> ExitCode {
    let bytes = match read_input(file).await {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("error: cannot read {file}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let json = match std::str::from_utf8(&bytes) {
        Ok(json) => json,
        Err(error) => {
            println!("{file}: invalid UTF-8 at byte {}", error.valid_up_to());
            return ExitCode::SUCCESS;
        }
    };
    for line in dispatcher.explain(json) {
        println!("{line}");
    }
    ExitCode::SUCCESS
}
