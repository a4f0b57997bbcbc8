//! An application that compiles only the kinds it uses (`default-features = false, features =
//! ["s3"]`), built as users build it: a crate of its own outside this workspace (inside it,
//! Cargo would unify its features with every other member's), with this workspace's
//! `Cargo.lock`. Its S3 handler takes `S3Event`; SQS, whose family is off, still routes, to a
//! handler taking `Json<T>`; and a handler that names `SqsEvent`, or takes `Json<T>` on
//! `aws.logs`, or is `idempotent`, does not compile, with the feature to enable named.
//!
//! The scratch crate and its target folder stay in `target/tmp` between runs, so that only the
//! first run builds the dependencies.

use cloud_events_tests::workspace_root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MANIFEST: &str = r#"[package]
name = "trimmed-app"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
cloud-events-lambda = { path = "LAMBDA", default-features = false, features = ["s3"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
"#;

const APP: &str = r#"use cloud_events_lambda::events::{Json, S3Event};
use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.s3")]
fn uploaded(event: S3Event) -> String {
    format!("typed S3, {} record(s)", event.records.len())
}

#[on_event("aws.sqs")]
fn queued(order: Json<serde_json::Value>) -> Result<(), String> {
    match order.0["total"].as_f64() {
        Some(total) if total <= 100.0 => Ok(()),
        _ => Err(format!("order {} is over 100", order.0["orderId"])),
    }
}

#[on_event(default)]
fn unexpected(event: RawEvent) -> String {
    format!("default, {} bytes", event.json().len())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cloud_events_lambda::run().await
}
"#;

const LEFT_OUT: &str = r#"use cloud_events_lambda::events::{Json, S3Event, SqsEvent};
use cloud_events_lambda::on_event;

#[on_event("aws.s3")]
fn uploaded(event: S3Event) -> usize {
    event.records.len()
}

#[on_event("aws.sqs")]
fn queued(event: SqsEvent) -> usize {
    event.records.len()
}

#[on_event("aws.logs")]
fn logged(line: Json<serde_json::Value>) -> bool {
    line.0.is_object()
}

#[on_event("aws.s3", rank = 1, idempotent)]
fn once(event: S3Event) -> usize {
    event.records.len()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cloud_events_lambda::run().await
}
"#;

/// Writes the scratch crate with `main` as its `src/main.rs`.
fn scratch(main: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trimmed-app");
    std::fs::create_dir_all(folder.join("src")).expect("scratch folder");
    let lambda = workspace_root().join("cloud-events-lambda");
    let manifest = MANIFEST.replace("LAMBDA", &lambda.display().to_string());
    std::fs::write(folder.join("Cargo.toml"), manifest).expect("manifest");
    if !folder.join("Cargo.lock").exists() {
        std::fs::copy(workspace_root().join("Cargo.lock"), folder.join("Cargo.lock")).expect("lock file");
    }
    std::fs::write(folder.join("src/main.rs"), main).expect("main.rs");
    folder
}

fn cargo(folder: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .args(args)
        .current_dir(folder)
        .env("CARGO_TARGET_DIR", folder.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

// One test, so that the two builds of the scratch crate never run at once.
#[test]
fn an_app_trimmed_to_its_kinds_routes_every_kind_and_names_a_feature_left_out() {
    let folder = scratch(APP);
    let built = cargo(&folder, &["build", "--quiet"]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let binary = folder.join("target/debug/trimmed-app");
    let corpus = workspace_root().join("cloud-events-core/samples");
    let ran = Command::new(&binary)
        .arg("invoke")
        .arg(corpus.join("aws.s3.json"))
        .arg(corpus.join("aws.sqs.json"))
        .arg(corpus.join("aws.kinesis.json"))
        .output()
        .expect("the app runs");
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let answers: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        answers.len(),
        3,
        "{stdout}\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    // The typed S3 handler, with its family compiled in.
    assert_eq!(answers[0], r#""typed S3, 1 record(s)""#);
    // SQS, its family off: classified and handled per message, each failure reported by its
    // message id (the sample's first order is over 100, its second is not).
    let sample: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus.join("aws.sqs.json")).expect("sample")).expect("JSON");
    let sqs: serde_json::Value = serde_json::from_str(answers[1]).expect("a batch answer");
    assert_eq!(
        sqs,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": sample["Records"][0]["messageId"]}]})
    );
    // Kinesis, no handler: the default one.
    assert!(answers[2].starts_with(r#""default, "#), "{}", answers[2]);

    let folder = scratch(LEFT_OUT);
    let checked = cargo(&folder, &["check", "--quiet"]);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(
        !checked.status.success(),
        "SqsEvent compiled without the `sqs` feature"
    );
    assert!(stderr.contains("SqsEvent"), "{stderr}");
    assert!(stderr.contains("the `sqs` feature"), "{stderr}");
    // `Json<T>` on `aws.logs` is the one delivery of a kind left out that names no type of
    // it: its own message names the feature.
    assert!(
        stderr.contains("`Json<T>` on `aws.logs` needs the `cloudwatch_logs` feature"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("S3Event`"),
        "S3Event is there with `s3`: {stderr}"
    );
    // `idempotent` without the `idempotency` feature: said in our words, at the attribute.
    assert!(
        stderr.contains("`idempotent` handlers need the `idempotency` feature of cloud-events-lambda"),
        "{stderr}"
    );
}
