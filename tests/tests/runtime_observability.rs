//! What a function tells CloudWatch, on the real `lambda_runtime` client against the Runtime
//! API stand-in: log lines under Lambda's logging controls (`AWS_LAMBDA_LOG_FORMAT`,
//! `AWS_LAMBDA_LOG_LEVEL`, `RUST_LOG`), and metric documents in Embedded Metric Format on
//! stdout, checked against a JSON schema written from the specification.

use cloud_events_tests::cargo_lambda::{self, Emulator};
use cloud_events_tests::events::{kinesis, s3, sqs_batch};
use cloud_events_tests::stand_in::{Invocation, Outcome, Run, serve};
use serde_json::{Map, Value, json};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seen in the S3 event's payload only: it must never reach the logs.
const PAYLOAD_MARKER: &str = "do-not-log-me.pdf";

/// An S3 upload, an SQS batch whose second record fails, a Kinesis event whose handler
/// panics, an event whose handler overruns its deadline, and a payload that is not JSON.
fn invocations() -> Vec<Invocation> {
    let kinesis = kinesis();
    let slow = json!({"source": "slow.app", "detail-type": "Sleep", "detail": {}});
    vec![
        Invocation::new("s3-1", &s3(PAYLOAD_MARKER)),
        Invocation::new("sqs-1", &sqs_batch(&["ok", "fail"])),
        Invocation::new("kin-1", &kinesis),
        Invocation::new("slow-1", &slow).deadline_in(1_000),
        Invocation::raw("bad-1", b"{\"Records\": [".to_vec()),
    ]
}

/// Runs `lambda-test-app` on [`invocations`] with `env` and checks every one was answered.
async fn run(env: &[(&str, &str)]) -> Outcome {
    let count = invocations().len();
    let outcome = serve(
        invocations(),
        Run {
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Run::new(env!("CARGO_BIN_EXE_lambda-test-app"))
        },
    )
    .await;
    assert_eq!(
        outcome.answers.len(),
        count,
        "not all answered; logs:\n{}",
        outcome.stderr
    );
    outcome
}

/// The log lines as JSON objects; fails on a line that is not one.
fn json_lines(stderr: &str) -> Vec<Map<String, Value>> {
    stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => object,
            _ => panic!("a log line that is not a JSON object: {line}\nall logs:\n{stderr}"),
        })
        .collect()
}

/// The one line of request `id` at `level` whose message contains `text`.
fn line<'a>(lines: &'a [Map<String, Value>], id: &str, level: &str, text: &str) -> &'a Map<String, Value> {
    let found: Vec<_> = lines
        .iter()
        .filter(|l| {
            l.get("requestId") == Some(&json!(id))
                && l["level"] == level
                && l["message"].as_str().is_some_and(|m| m.contains(text))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "lines of {id} at {level} with {text:?}: {found:#?}\nall: {lines:#?}"
    );
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_follow_lambdas_controls_with_the_request_id_and_fields_as_keys() {
    // `RUST_LOG` empty counts as unset: Lambda's level applies.
    let outcome = run(&[
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
        ("RUST_LOG", ""),
    ])
    .await;
    let lines = json_lines(&outcome.stderr);
    assert!(!lines.is_empty());
    for line in &lines {
        let timestamp = line["timestamp"].as_str().expect("a timestamp");
        assert!(
            timestamp.starts_with("20") && timestamp.ends_with('Z'),
            "{line:?}"
        );
        assert!(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&line["level"].as_str().unwrap()));
        assert!(line["message"].is_string(), "{line:?}");
        // Span fields are keys of the line, never nested or repeated.
        for nested in ["span", "spans", "fields"] {
            assert!(!line.contains_key(nested), "{line:?}");
        }
        if let Some(id) = line.get("requestId") {
            let id = id.as_str().unwrap();
            assert_eq!(
                line["xrayTraceId"], "Root=1-00000000-000000000000000000000000",
                "{line:?}"
            );
            let text = serde_json::to_string(line).unwrap();
            assert_eq!(text.matches(id).count(), 1, "the request id once: {text}");
        }
    }
    // DEBUG is on: lines below INFO are written.
    assert!(lines.iter().any(|l| l["level"] == "DEBUG"), "{lines:#?}");

    let failed = line(&lines, "sqs-1", "WARN", "record failed");
    assert_eq!(failed["route"], "aws.sqs");
    assert_eq!(failed["handler"], "reject");
    assert_eq!(failed["recordIndex"], 1);
    assert_eq!(failed["recordId"], "m2");
    let panicked = line(
        &lines,
        "kin-1",
        "ERROR",
        "handler `lambda_test_app::explode` panicked",
    );
    assert_eq!(panicked["errorType"], "HandlerPanicked");
    assert_eq!(panicked["route"], "aws.kinesis");
    // The panic hook's own report: JSON too, with where it happened.
    let hook = line(&lines, "kin-1", "ERROR", "panicked at ");
    assert!(
        hook["message"]
            .as_str()
            .unwrap()
            .ends_with(": kinesis handler exploded"),
        "{hook:?}"
    );
    assert!(
        hook["location"].as_str().unwrap().contains("lambda-test-app.rs"),
        "{hook:?}"
    );
    assert_eq!(
        line(&lines, "slow-1", "ERROR", "deadline")["errorType"],
        "DeadlineExceeded"
    );
    assert_eq!(line(&lines, "bad-1", "ERROR", "")["errorType"], "InvalidEvent");
    assert!(
        !outcome.stderr.contains(PAYLOAD_MARKER),
        "a payload reached the logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_name_the_request_id_once_per_line() {
    let outcome = run(&[("AWS_LAMBDA_LOG_FORMAT", "Text"), ("RUST_LOG", "info")]).await;
    let invocation_lines: Vec<&str> = outcome.stderr.lines().filter(|l| l.contains("sqs-1")).collect();
    assert!(
        invocation_lines.iter().any(|l| l.contains("record failed")),
        "{}",
        outcome.stderr
    );
    for line in invocation_lines {
        assert_eq!(line.matches("sqs-1").count(), 1, "{line}");
        // Lambda stamps each line itself: no timestamp of ours.
        assert!(!line.starts_with("20"), "{line}");
    }
    assert!(
        !outcome.stderr.contains(PAYLOAD_MARKER),
        "a payload reached the logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_level_is_lambdas_unless_rust_log_is_set() {
    let lambda_level = run(&[
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
        ("RUST_LOG", ""),
    ])
    .await;
    let lines = json_lines(&lambda_level.stderr);
    assert!(lines.iter().all(|l| l["level"] == "ERROR"), "{lines:#?}");
    line(
        &lines,
        "kin-1",
        "ERROR",
        "handler `lambda_test_app::explode` panicked",
    );

    let rust_log = run(&[
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
        ("RUST_LOG", "warn"),
    ])
    .await;
    line(&json_lines(&rust_log.stderr), "sqs-1", "WARN", "record failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_log_setting_stops_the_start_up_with_a_message() {
    for (variable, value) in [("AWS_LAMBDA_LOG_FORMAT", "XML"), ("AWS_LAMBDA_LOG_LEVEL", "LOUD")] {
        let outcome = serve(
            invocations(),
            Run {
                env: vec![
                    (variable.to_owned(), value.to_owned()),
                    ("RUST_LOG".into(), String::new()),
                ],
                ..Run::new(env!("CARGO_BIN_EXE_lambda-test-app"))
            },
        )
        .await;
        let exit = outcome.exit.expect("the app stops");
        assert!(!exit.success());
        assert!(outcome.answers.is_empty());
        assert!(
            outcome.stderr.contains(variable) && outcome.stderr.contains(&format!("`{value}`")),
            "{}",
            outcome.stderr
        );
    }
}

/// The schema's validator.
fn emf_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../schemas/emf.schema.json")).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is valid")
}

/// Checks `document` against the schema, and what the schema cannot say: every dimension a
/// directive names is a string member of the root, every metric a finite number or an array
/// of at most 100 of them.
fn check_document(validator: &jsonschema::Validator, document: &Value) {
    let errors: Vec<String> = validator.iter_errors(document).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?} in {document}");
    for directive in document["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
        for set in directive["Dimensions"].as_array().unwrap() {
            for dimension in set.as_array().unwrap() {
                let value = &document[dimension.as_str().unwrap()];
                assert!(
                    value.as_str().is_some_and(|v| !v.is_empty()),
                    "{dimension} in {document}"
                );
            }
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            let value = &document[metric["Name"].as_str().unwrap()];
            let values = match value {
                Value::Array(values) => values.clone(),
                one => vec![one.clone()],
            };
            assert!(
                !values.is_empty() && values.len() <= 100,
                "{metric} in {document}"
            );
            assert!(
                values.iter().all(|v| v.as_f64().is_some_and(f64::is_finite)),
                "{document}"
            );
        }
    }
}

/// The values of metric `name` in request `id`'s documents, with each document.
fn metric<'a>(documents: &'a [Value], id: &str, name: &str) -> Vec<(&'a Value, &'a Value)> {
    documents
        .iter()
        .filter(|d| d["requestId"] == id)
        .filter_map(|d| d.get(name).map(|value| (value, d)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invocation_writes_its_metrics_as_valid_emf_also_when_it_fails() {
    let started = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let outcome = run(&[("TEST_METRICS", "CloudEventsTest"), ("RUST_LOG", "off")]).await;
    let validator = emf_validator();
    let documents: Vec<Value> = outcome
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(
        !documents.is_empty(),
        "no metric document; logs:\n{}",
        outcome.stderr
    );
    for document in &documents {
        check_document(&validator, document);
        let timestamp = document["_aws"]["Timestamp"].as_u64().unwrap();
        assert!(
            timestamp >= started && timestamp < started + 120_000,
            "{document}"
        );
        assert_eq!(
            document["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "CloudEventsTest"
        );
        assert_eq!(document["service"], "test-app");
    }
    let one = |id: &str, name: &str| {
        let found = metric(&documents, id, name);
        assert_eq!(found.len(), 1, "{name} of {id}: {documents:#?}");
        found[0]
    };

    // The handler's own metric, the built-in ones, the cold start once.
    assert_eq!(one("s3-1", "ObjectsListed").0, 1);
    let (events, document) = one("s3-1", "Events");
    assert_eq!((events, &document["route"]), (&json!(1), &json!("aws.s3")));
    let (duration, document) = one("s3-1", "HandlerDuration");
    assert!(duration.as_f64().unwrap() >= 0.0);
    assert_eq!(
        (&document["route"], &document["handler"]),
        (&json!("aws.s3"), &json!("keys"))
    );
    // Its directive gives its unit and its dimensions.
    let directive = document["_aws"]["CloudWatchMetrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["Metrics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["Name"] == "HandlerDuration")
        })
        .unwrap();
    assert!(
        directive["Metrics"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "HandlerDuration", "Unit": "Milliseconds"}))
    );
    assert_eq!(directive["Dimensions"], json!([["service", "handler", "route"]]));
    let (cold, document) = one("s3-1", "ColdStart");
    assert_eq!((cold, &document["function_name"]), (&json!(1), &json!("test")));

    // A failed record: counted, and the batch's metrics written.
    assert_eq!(one("sqs-1", "MessagesSeen").0, 2);
    let (failures, document) = one("sqs-1", "BatchItemFailures");
    assert_eq!((failures, &document["handler"]), (&json!(1), &json!("reject")));

    // A panic and a deadline: what the handler recorded before is written, and the error.
    assert_eq!(one("kin-1", "ExplodeStarted").0, 1);
    assert_eq!(one("kin-1", "HandlerErrors").1["handler"], "explode");
    assert_eq!(one("slow-1", "SlowStarted").0, 1);
    assert_eq!(one("slow-1", "HandlerErrors").1["handler"], "slow");
    assert_eq!(one("bad-1", "InvalidEvents").0, 1);

    // Nothing carried into the next invocation.
    for (name, only) in [
        ("ObjectsListed", "s3-1"),
        ("ColdStart", "s3-1"),
        ("MessagesSeen", "sqs-1"),
        ("ExplodeStarted", "kin-1"),
        ("SlowStarted", "slow-1"),
    ] {
        let ids: Vec<&Value> = documents
            .iter()
            .filter(|d| d.get(name).is_some())
            .map(|d| &d["requestId"])
            .collect();
        assert_eq!(ids, [only], "{name}");
    }
    // The documents are on stdout only; stderr has the logs.
    assert!(!outcome.stderr.contains("\"_aws\""), "{}", outcome.stderr);
}

/// The same through `cargo lambda watch`, a Runtime API emulator written by others: JSON log
/// lines with the request id it hands out, and valid EMF documents with the same id.
#[test]
fn cargo_lambdas_emulator_gets_json_logs_and_metric_documents() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-lambda");
    let Some(binary) = cargo_lambda::find_or_skip(&dir) else {
        return;
    };
    let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-lambda-observability");
    std::fs::create_dir_all(&output).expect("a scratch folder");
    let (stdout_path, stderr_path) = (output.join("stdout"), output.join("stderr"));
    {
        let mut emulator = Emulator::start(&binary, &dir).expect("cargo lambda watch starts");
        let files = (
            std::fs::File::create(&stdout_path).expect("a file"),
            std::fs::File::create(&stderr_path).expect("a file"),
        );
        let env = [
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
            ("RUST_LOG", ""),
            ("TEST_METRICS", "CloudEventsTest"),
        ];
        emulator
            .serve_with_output(
                Path::new(env!("CARGO_BIN_EXE_lambda-test-app")),
                &env,
                files.0,
                files.1,
            )
            .expect("the app starts");
        let batch = serde_json::to_vec(&sqs_batch(&["ok", "fail"])).expect("JSON");
        let (status, body) = emulator.post(&batch).expect("an answer");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body, json!({"batchItemFailures": [{"itemIdentifier": "m2"}]}));
    }
    let stderr = std::fs::read_to_string(&stderr_path).expect("the logs");
    let lines = json_lines(&stderr);
    let failed: Vec<_> = lines
        .iter()
        .filter(|l| l["message"].as_str().is_some_and(|m| m.contains("record failed")))
        .collect();
    assert_eq!(failed.len(), 1, "{stderr}");
    let request_id = failed[0]["requestId"]
        .as_str()
        .expect("the request id cargo-lambda gave");
    assert!(failed[0]["xrayTraceId"].is_string(), "{:?}", failed[0]);

    let validator = emf_validator();
    let stdout = std::fs::read_to_string(&stdout_path).expect("the documents");
    let documents: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    for document in &documents {
        check_document(&validator, document);
        assert_eq!(document["requestId"], request_id);
    }
    assert_eq!(metric(&documents, request_id, "MessagesSeen")[0].0, 2);
    assert_eq!(metric(&documents, request_id, "BatchItemFailures")[0].0, 1);
}
