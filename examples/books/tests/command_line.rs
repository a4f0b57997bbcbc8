//! End to end: the `books` binary's command line, as a user runs it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn books(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_books"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("books runs")
}

fn stdout_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each stdout line is JSON"))
        .collect()
}

#[test]
fn invoke_records_the_uploaded_book() {
    let output = books(&["invoke", "events/s3-put.json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 1);
    // One answer per record of the notification.
    let book = &lines[0][0]["recorded"];
    assert_eq!(book["bucket"], "library-uploads");
    assert_eq!(book["key"], "uploads/The Time Machine.epub");
    assert_eq!(book["title"], "The Time Machine");
    assert_eq!(book["size"], 184320);
    assert_eq!(lines[0][0]["total"], 1);
}

#[test]
fn invoke_prints_one_line_per_event_and_fails_if_any_failed() {
    let output = books(&[
        "invoke",
        "events/s3-put.json",
        "events/sqs-message.json",
        "events/s3-no-key.json",
        "events/s3-delete.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0][0]["total"], 1);
    assert_eq!(lines[1], serde_json::json!({ "ignored": "aws.sqs" }));
    // S3 takes no partial answer: its only record failed, so the invocation did.
    assert_eq!(lines[2]["errorType"], "BatchFailed");
    assert_eq!(
        lines[2]["errorMessage"],
        "1 of 1 records failed; record 0: handler `book_uploaded` failed: the record has no object key"
    );
    // The same process (one database): the upload is forgotten, its title known.
    assert_eq!(
        lines[3],
        serde_json::json!([{ "removed": "uploads/The Time Machine.epub", "title": "The Time Machine" }])
    );
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("book recorded"), "logs go to stderr: {logs}");
}

#[test]
fn invoke_reads_stdin_and_reports_invalid_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_books"))
        .arg("invoke")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"{\"Records\": [").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let lines = stdout_lines(&output);
    assert_eq!(lines[0]["errorType"], "InvalidEvent");
    assert!(
        lines[0]["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("invalid JSON at line 1"),
        "{}",
        lines[0]
    );
}

#[test]
fn classify_prints_file_and_route_key() {
    let output = books(&[
        "classify",
        "events/s3-put.json",
        "events/sqs-message.json",
        "Cargo.toml",
    ]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "events/s3-put.json\taws.s3");
    assert_eq!(lines[1], "events/sqs-message.json\taws.sqs");
    assert!(
        lines[2].starts_with("Cargo.toml\terror: invalid JSON at line 1"),
        "{}",
        lines[2]
    );
    let missing = books(&["classify", "events/nope.json"]);
    assert_eq!(
        missing.status.code(),
        Some(1),
        "an unreadable file fails the command"
    );
}

#[test]
fn classify_agrees_with_every_corpus_label() {
    let Some(corpus) = std::env::var_os("CLOUD_EVENTS_CORPUS").map(PathBuf::from) else {
        eprintln!("CLOUD_EVENTS_CORPUS is not set: skipped");
        return;
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = if corpus.is_absolute() {
        corpus
    } else {
        workspace.join(corpus)
    };
    let labels = std::fs::read_to_string(corpus.join("labels.tsv")).unwrap();
    let rows: Vec<(String, String)> = labels
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut columns = line.split('\t');
            Some((columns.next()?.to_owned(), columns.next()?.to_owned()))
        })
        .collect();
    let mut args = vec!["classify".to_owned()];
    args.extend(
        rows.iter()
            .map(|(path, _)| corpus.join(path).to_string_lossy().into_owned()),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_books"))
        .args(&args)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let got: Vec<&str> = text
        .lines()
        .map(|line| line.rsplit('\t').next().unwrap())
        .collect();
    assert_eq!(got.len(), rows.len());
    let wrong: Vec<String> = rows
        .iter()
        .zip(&got)
        .filter(|((_, expected), got)| expected != *got)
        .map(|((path, expected), got)| format!("{path}: expected {expected}, got {got}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn routes_lists_each_handler_with_its_location() {
    let output = books(&["routes"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|line| line.split('\t').collect()).collect();
    let handlers: Vec<(&str, &str)> = lines.iter().map(|line| (line[0], line[3])).collect();
    assert_eq!(
        handlers,
        [
            ("aws.s3", "books::book_removed"),
            ("aws.s3", "books::book_uploaded"),
            ("aws.sqs", "books::queued_notification"),
            ("aws.sqs", "books::s3_test_event"),
            ("default", "books::unexpected"),
        ],
        "{text}"
    );
    assert_eq!(lines[1][1], r#"(starts_with(eventName, "ObjectCreated:"))"#);
    assert!(lines.iter().all(|line| line[2] == "rank 0"), "{text}");
    assert!(lines[0][4].starts_with("examples/books/src/main.rs:"), "{text}");
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["invoke", "classify", "routes", "explain", "sample"] {
        let output = books(&[sub, "--help"]);
        assert!(output.status.success(), "{sub} --help");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{sub} --help"
        );
    }
    let output = books(&["--help"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("classify"));
}

#[test]
fn lambda_mode_without_the_function_variables_fails_clearly() {
    let output = Command::new(env!("CARGO_BIN_EXE_books"))
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .env_remove("AWS_LAMBDA_FUNCTION_NAME")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("AWS_LAMBDA_FUNCTION_NAME"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn explain_shows_each_handler_considered_and_the_outcome() {
    let output = books(&["explain", "events/sqs-message.json"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("route key: aws.sqs\n"), "{text}");
    assert!(text.contains("handlers of aws.sqs (2):"), "{text}");
    assert!(
        text.contains("books::s3_test_event  [(body.Event == \"s3:TestEvent\")]  per record: the condition holds for 0 of 1 records"),
        "{text}"
    );
    assert!(text.contains("books::unexpected  [-]  matches"), "{text}");
    assert!(
        text.trim_end().ends_with("outcome: runs books::unexpected"),
        "{text}"
    );
    let invalid = books(&["explain", "Cargo.toml"]);
    let text = String::from_utf8(invalid.stdout).unwrap();
    assert!(
        text.contains("classification: error: invalid JSON") && text.contains("InvalidEvent"),
        "{text}"
    );
}

#[test]
fn sample_prints_an_event_of_the_kind_that_classifies_back() {
    let output = books(&["sample", "aws.kinesis"]);
    assert!(output.status.success());
    let sample: Value = serde_json::from_slice(&output.stdout).expect("a JSON event");
    assert_eq!(sample["Records"][0]["eventSource"], "aws:kinesis");
    let listing = String::from_utf8(books(&["sample"]).stdout).unwrap();
    assert!(
        listing.lines().any(|line| line.starts_with("azure.eventgrid\t")),
        "{listing}"
    );
    let unknown = books(&["sample", "aws.kinesys"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("aws.kinesis"));
}
