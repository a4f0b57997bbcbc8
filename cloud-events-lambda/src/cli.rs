//! The command line every application gets when it is not running on Lambda:
//! `APP invoke [FILE...]`, `APP classify FILE...`, `APP routes`.

use crate::context::Context;
use crate::dispatch::Dispatcher;
use cloud_events_core::classify;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tokio::io::AsyncReadExt;
use tracing::Instrument;

/// A subcommand: its name, its operands as its usage line shows them, and what it does.
struct Subcommand {
    name: &'static str,
    operands: &'static str,
    about: &'static str,
}

const ABOUT: &str = "Dispatch cloud events to this application's handlers, locally (on AWS Lambda, the same binary serves the Runtime API)";

const SUBCOMMANDS: [Subcommand; 5] = [
    Subcommand {
        name: "invoke",
        operands: "[FILE]...",
        about: "Dispatch each event (a JSON file; `-` or none for stdin) and print the JSON response Lambda would get, one line per event",
    },
    Subcommand {
        name: "classify",
        operands: "<FILE>...",
        about: "Print FILE<TAB>ROUTE_KEY for each file (`unclassified`, or `error: <reason>` for invalid input)",
    },
    Subcommand {
        name: "explain",
        operands: "<FILE>",
        about: "Show how an event is routed: its classification, every handler considered and why it matches or not, and what runs",
    },
    Subcommand {
        name: "sample",
        operands: "[KIND]",
        about: "Print a realistic sample event of a kind (e.g. `sample aws.s3`); without a kind, list the kinds",
    },
    Subcommand {
        name: "routes",
        operands: "",
        about: "List the registered handlers in priority order: route, conditions, rank, handler, source location",
    },
];

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Request {
    /// Print this text on stdout and succeed (`--help`, `help`).
    Help(String),
    Invoke(Vec<String>),
    Classify(Vec<String>),
    Explain(String),
    Sample(Option<String>),
    Routes,
}

/// A command line that cannot be run: the message, and the usage to print after it.
#[derive(Debug, PartialEq)]
struct Usage {
    message: String,
    usage: String,
}

/// The options every command and the overview take.
const OPTIONS: &str = "Options:\n  -h, --help  Print help\n";

fn subcommand(name: &str) -> Option<&'static Subcommand> {
    SUBCOMMANDS.iter().find(|sub| sub.name == name)
}

fn overview(program: &str) -> String {
    let width = SUBCOMMANDS.iter().map(|sub| sub.name.len()).max().unwrap_or(0);
    let mut text = format!("{ABOUT}\n\nUsage: {program} <COMMAND>\n\nCommands:\n");
    for sub in &SUBCOMMANDS {
        text.push_str(&format!("  {:width$}  {}\n", sub.name, sub.about));
    }
    text.push_str(&format!(
        "  {:width$}  Print this message or the help of the given command\n\n{OPTIONS}",
        "help"
    ));
    text
}

fn usage_line(program: &str, sub: &Subcommand) -> String {
    format!("Usage: {program} {} {}", sub.name, sub.operands)
        .trim_end()
        .to_owned()
}

fn help_of(program: &str, sub: &Subcommand) -> String {
    format!("{}\n\n{}\n\n{OPTIONS}", sub.about, usage_line(program, sub))
}

/// Reads the arguments after the program name.
fn parse(program: &str, args: impl IntoIterator<Item = OsString>) -> Result<Request, Usage> {
    let general = |message: String| Usage {
        message,
        usage: format!("Usage: {program} <COMMAND>\n\nFor more information, try '--help'."),
    };
    let mut parser = lexopt::Parser::from_args(args);
    let name = match parser.next() {
        Ok(Some(lexopt::Arg::Value(name))) => name.to_string_lossy().into_owned(),
        Ok(Some(lexopt::Arg::Short('h') | lexopt::Arg::Long("help"))) => {
            return Ok(Request::Help(overview(program)));
        }
        Ok(Some(option)) => return Err(general(option.unexpected().to_string())),
        Ok(None) => {
            return Err(Usage {
                message: "a command is required".to_owned(),
                usage: overview(program),
            });
        }
        Err(error) => return Err(general(error.to_string())),
    };
    if name == "help" {
        let topic = match parser.next() {
            Ok(Some(lexopt::Arg::Value(topic))) => topic.to_string_lossy().into_owned(),
            _ => return Ok(Request::Help(overview(program))),
        };
        return match subcommand(&topic) {
            Some(sub) => Ok(Request::Help(help_of(program, sub))),
            None => Err(general(format!("unrecognized command '{topic}'"))),
        };
    }
    let Some(sub) = subcommand(&name) else {
        return Err(general(format!("unrecognized command '{name}'")));
    };
    let specific = |message: String| Usage {
        message,
        usage: format!(
            "{}\n\nFor more information, try '{program} {} --help'.",
            usage_line(program, sub),
            sub.name
        ),
    };
    let mut operands = Vec::new();
    loop {
        match parser.next() {
            Ok(None) => break,
            Ok(Some(lexopt::Arg::Short('h') | lexopt::Arg::Long("help"))) => {
                return Ok(Request::Help(help_of(program, sub)));
            }
            Ok(Some(lexopt::Arg::Value(value))) => match value.into_string() {
                Ok(value) => operands.push(value),
                Err(value) => return Err(specific(format!("{value:?} is not valid UTF-8"))),
            },
            Ok(Some(option)) => return Err(specific(option.unexpected().to_string())),
            Err(error) => return Err(specific(error.to_string())),
        }
    }
    let most = |count: usize| {
        if operands.len() > count {
            Err(specific(format!("unexpected argument '{}'", operands[count])))
        } else {
            Ok(())
        }
    };
    match sub.name {
        "invoke" => Ok(Request::Invoke(operands)),
        "classify" if operands.is_empty() => Err(specific("classify needs at least one FILE".to_owned())),
        "classify" => Ok(Request::Classify(operands)),
        "explain" => {
            most(1)?;
            match operands.pop() {
                Some(file) => Ok(Request::Explain(file)),
                None => Err(specific("explain needs a FILE".to_owned())),
            }
        }
        "sample" => {
            most(1)?;
            Ok(Request::Sample(operands.pop()))
        }
        _ => {
            most(0)?;
            Ok(Request::Routes)
        }
    }
}

/// Runs the command line; `args` includes the program name.
pub(crate) async fn main(dispatcher: Dispatcher, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut args = args.into_iter();
    let program = args
        .next()
        .and_then(|arg| {
            Path::new(&arg)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "app".to_owned());
    match parse(&program, args) {
        Ok(Request::Help(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Request::Invoke(files)) => invoke(&dispatcher, &program, files).await,
        Ok(Request::Classify(files)) => classify_files(files).await,
        Ok(Request::Routes) => routes(&dispatcher),
        Ok(Request::Explain(file)) => explain(&dispatcher, &file).await,
        Ok(Request::Sample(kind)) => sample(kind.as_deref()),
        Err(Usage { message, usage }) => {
            eprintln!("error: {message}\n\n{usage}");
            ExitCode::from(2)
        }
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
        // Traces leave after each file, as they do after each answer on Lambda.
        #[cfg(feature = "opentelemetry")]
        if let Some(traces) = dispatcher.traces() {
            traces.flush().await;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Request, Usage> {
        parse("app", args.iter().map(OsString::from))
    }

    #[test]
    fn each_subcommand_takes_its_operands() {
        assert_eq!(parsed(&["invoke"]), Ok(Request::Invoke(vec![])));
        assert_eq!(
            parsed(&["invoke", "a.json", "-", "--", "--b.json"]),
            Ok(Request::Invoke(vec![
                "a.json".into(),
                "-".into(),
                "--b.json".into()
            ]))
        );
        assert_eq!(
            parsed(&["classify", "a", "b"]),
            Ok(Request::Classify(vec!["a".into(), "b".into()]))
        );
        assert_eq!(parsed(&["explain", "a"]), Ok(Request::Explain("a".into())));
        assert_eq!(parsed(&["sample"]), Ok(Request::Sample(None)));
        assert_eq!(
            parsed(&["sample", "aws.s3"]),
            Ok(Request::Sample(Some("aws.s3".into())))
        );
        assert_eq!(parsed(&["routes"]), Ok(Request::Routes));
    }

    #[test]
    fn help_is_asked_in_every_usual_way() {
        for args in [&["--help"][..], &["-h"], &["help"]] {
            let Ok(Request::Help(text)) = parsed(args) else {
                panic!("{args:?}")
            };
            assert!(SUBCOMMANDS.iter().all(|sub| text.contains(sub.about)), "{text}");
            assert!(text.contains("Usage: app <COMMAND>"), "{text}");
        }
        for args in [
            &["explain", "--help"][..],
            &["explain", "x", "-h"],
            &["help", "explain"],
        ] {
            let Ok(Request::Help(text)) = parsed(args) else {
                panic!("{args:?}")
            };
            assert!(text.contains("Usage: app explain <FILE>"), "{text}");
        }
    }

    #[test]
    fn a_wrong_command_line_says_what_is_wrong_and_how_to_use_it() {
        let cases: [(&[&str], &str, &str); 8] = [
            (&[], "a command is required", "Usage: app <COMMAND>"),
            (&["invok"], "unrecognized command 'invok'", "Usage: app <COMMAND>"),
            (&["--verbose"], "invalid option '--verbose'", "try '--help'"),
            (
                &["classify"],
                "classify needs at least one FILE",
                "Usage: app classify <FILE>...",
            ),
            (&["explain"], "explain needs a FILE", "try 'app explain --help'"),
            (
                &["explain", "a", "b"],
                "unexpected argument 'b'",
                "Usage: app explain <FILE>",
            ),
            (&["routes", "x"], "unexpected argument 'x'", "Usage: app routes"),
            (
                &["invoke", "--pretty"],
                "invalid option '--pretty'",
                "Usage: app invoke [FILE]...",
            ),
        ];
        for (args, message, usage) in cases {
            let Err(error) = parsed(args) else {
                panic!("{args:?} parsed")
            };
            assert!(error.message.contains(message), "{args:?}: {error:?}");
            assert!(error.usage.contains(usage), "{args:?}: {error:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_name_that_is_not_utf8_is_refused_by_name() {
        use std::os::unix::ffi::OsStringExt;
        let name = OsString::from_vec(vec![b'a', 0xff]);
        let error = parse("app", [OsString::from("classify"), name]).unwrap_err();
        assert!(error.message.contains("not valid UTF-8"), "{error:?}");
    }
}
