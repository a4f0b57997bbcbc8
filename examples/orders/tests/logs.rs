//! End to end: the `orders` binary's logs under Lambda's logging controls, against the
//! Runtime API stand-in and against `cargo lambda watch`: the keys of every JSON line, DEBUG
//! lines held per invocation (written when a record fails, dropped otherwise), the cap,
//! concurrent invocations, text lines.

use cloud_events_tests::cargo_lambda::{self, Emulator};
use cloud_events_tests::stand_in::{Invocation, Run, serve};
use serde_json::{Map, Value, json};
use std::path::Path;

const ORDERS: &str = env!("CARGO_BIN_EXE_orders");

/// An SQS batch of `good` orders of invocation `n` (`ord-n-0`...), then, if `rejected`, one
/// whose amount is not positive (a failed record).
fn batch(n: usize, good: usize, rejected: bool) -> Value {
    let record = |i: usize, amount: i64| {
        json!({
            "messageId": format!("m-{n}-{i}"),
            "receiptHandle": "AQEB==",
            "body": json!({"id": format!("ord-{n}-{i}"), "customer": "c-ada", "amount": amount, "currency": "EUR"}).to_string(),
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1793612400021", "SenderId": "AIDAEXAMPLESHOP", "ApproximateFirstReceiveTimestamp": "1793612400121"},
            "messageAttributes": {},
            "md5OfBody": "00000000000000000000000000000000",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:orders",
            "awsRegion": "eu-west-1"
        })
    };
    let mut records: Vec<Value> = (0..good).map(|i| record(i, 100)).collect();
    if rejected {
        records.push(record(good, -1));
    }
    json!({ "Records": records })
}

/// Every line of `stderr`, each of which must be one JSON object.
fn json_lines(stderr: &str) -> Vec<Map<String, Value>> {
    stderr
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(map)) => map,
            other => panic!("a line that is not a JSON object: {line} ({other:?})"),
        })
        .collect()
}

fn of<'a>(lines: &'a [Map<String, Value>], request: &str) -> Vec<&'a Map<String, Value>> {
    lines
        .iter()
        .filter(|line| line.get("requestId").and_then(Value::as_str) == Some(request))
        .collect()
}

fn debug_orders(lines: &[&Map<String, Value>]) -> Vec<String> {
    lines
        .iter()
        .filter(|line| line["level"] == "DEBUG" && line["message"] == "ledger updated")
        .map(|line| line["order"].as_str().unwrap().to_owned())
        .collect()
}

const JSON_DEBUG: [(&str, &str); 3] = [
    ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
    ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
    ("RUST_LOG", ""),
];

fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_carry_the_keys_and_debug_lines_are_held_until_a_record_fails() {
    let invocations = vec![
        Invocation::new("req-1", &batch(1, 3, false)),
        Invocation::new("req-2", &batch(2, 3, true)),
        Invocation::new("req-3", &batch(3, 2, false)),
        // More held lines than the 20 KiB buffer keeps.
        Invocation::new("req-4", &batch(4, 400, true)),
    ];
    let outcome = serve(
        invocations,
        Run {
            env: env(&JSON_DEBUG),
            ..Run::new(ORDERS)
        },
    )
    .await;
    assert_eq!(outcome.answers.len(), 4, "{}", outcome.stderr);
    let lines = json_lines(&outcome.stderr);
    for request in ["req-1", "req-2", "req-3", "req-4"] {
        let mine = of(&lines, request);
        assert!(!mine.is_empty(), "{request}: {}", outcome.stderr);
        for line in &mine {
            assert_eq!(
                line.get("coldStart"),
                Some(&Value::from(request == "req-1")),
                "{line:?}"
            );
            assert_eq!(line["functionName"], "test");
            assert_eq!(line["functionVersion"], "$LATEST");
            assert_eq!(line["functionMemorySize"], 128);
            assert_eq!(
                line["functionArn"],
                "arn:aws:lambda:eu-west-1:123456789012:function:test"
            );
            assert_eq!(line["service"], "orders");
            // No correlation id for SQS unless the app names a path; no sampling.
            assert!(!line.contains_key("correlationId") && !line.contains_key("samplingRate"));
        }
    }
    // Successful invocations write none of their held lines.
    assert_eq!(debug_orders(&of(&lines, "req-1")), Vec::<String>::new());
    assert_eq!(debug_orders(&of(&lines, "req-3")), Vec::<String>::new());
    // A failed record writes them, ahead of the line that says it failed.
    let failing = of(&lines, "req-2");
    let mut held = debug_orders(&failing);
    held.sort();
    assert_eq!(held, ["ord-2-0", "ord-2-1", "ord-2-2"]);
    let last_held = failing
        .iter()
        .rposition(|line| line["message"] == "ledger updated")
        .unwrap();
    let failed = failing
        .iter()
        .position(|line| line["message"].as_str().unwrap().starts_with("record failed"))
        .unwrap();
    assert!(last_held < failed, "{failing:#?}");
    // Past the cap the oldest went, and the flush says how many.
    let capped = of(&lines, "req-4");
    let notice = capped
        .iter()
        .find(|line| line.contains_key("droppedLines"))
        .unwrap_or_else(|| {
            let summary: Vec<String> = capped
                .iter()
                .map(|line| format!("{} {}", line["level"], line["message"]))
                .collect();
            panic!("no line saying how many held lines were dropped: {summary:#?}")
        });
    assert_eq!(notice["level"], "WARN");
    let dropped = notice["droppedLines"].as_u64().unwrap() as usize;
    let kept = debug_orders(&capped);
    assert!(
        dropped > 0 && !kept.is_empty(),
        "{dropped} dropped, {} kept",
        kept.len()
    );
    assert_eq!(kept.len() + dropped, 400);
    let bytes: usize = capped
        .iter()
        .filter(|line| line["level"] == "DEBUG")
        .map(|line| serde_json::to_string(line).unwrap().len())
        .sum();
    // The cap counts what lines hold, not their keys: the lines written stay near it.
    assert!(bytes < 3 * 20 * 1024, "{bytes} bytes of held lines written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_keep_their_held_lines_apart() {
    let invocations = (1..=16)
        .map(|n| Invocation::new(format!("req-{n}"), &batch(n, 6, n % 2 == 0)))
        .collect();
    let outcome = serve(
        invocations,
        Run {
            concurrency: 4,
            env: env(&JSON_DEBUG),
            ..Run::new(ORDERS)
        },
    )
    .await;
    assert_eq!(outcome.answers.len(), 16, "{}", outcome.stderr);
    let lines = json_lines(&outcome.stderr);
    for n in 1..=16 {
        let mut held = debug_orders(&of(&lines, &format!("req-{n}")));
        held.sort();
        let expected: Vec<String> = if n % 2 == 0 {
            (0..6).map(|i| format!("ord-{n}-{i}")).collect()
        } else {
            Vec::new()
        };
        assert_eq!(held, expected, "req-{n}");
    }
    let cold: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter(|line| line.get("coldStart") == Some(&Value::Bool(true)))
        .filter_map(|line| line["requestId"].as_str())
        .collect();
    assert_eq!(cold.len(), 1, "one cold start: {cold:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_lines_are_held_and_written_with_their_own_time() {
    let outcome = serve(
        vec![
            Invocation::new("req-1", &batch(1, 2, false)),
            Invocation::new("req-2", &batch(2, 2, true)),
        ],
        Run {
            env: env(&[("AWS_LAMBDA_LOG_FORMAT", "Text"), ("RUST_LOG", "")]),
            ..Run::new(ORDERS)
        },
    )
    .await;
    assert_eq!(outcome.answers.len(), 2, "{}", outcome.stderr);
    let held: Vec<&str> = outcome
        .stderr
        .lines()
        .filter(|line| line.contains("ledger updated"))
        .collect();
    assert_eq!(held.len(), 2, "{}", outcome.stderr);
    for line in held {
        let (time, rest) = line.split_once(' ').unwrap();
        assert!(time.ends_with('Z') && time.contains('T'), "{line}");
        assert!(
            rest.starts_with("DEBUG Lambda runtime invoke{requestId=\"req-2\""),
            "{line}"
        );
    }
    assert!(outcome.stderr.contains(" INFO "), "{}", outcome.stderr);
}

#[test]
fn cargo_lambdas_emulator_gets_the_keys_and_held_lines_of_the_failing_invocation_only() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("logs-cargo-lambda");
    let Some(binary) = cargo_lambda::find_or_skip(&dir) else {
        return;
    };
    let stderr_path = dir.join("stderr");
    {
        let mut emulator = Emulator::start(&binary, &dir).expect("cargo lambda watch starts");
        let stderr = std::fs::File::create(&stderr_path).expect("a file");
        emulator
            .serve_with_output(
                Path::new(ORDERS),
                &JSON_DEBUG,
                std::process::Stdio::null(),
                stderr,
            )
            .expect("the app starts");
        for (n, rejected) in [(1, false), (2, true)] {
            let payload = serde_json::to_vec(&batch(n, 2, rejected)).unwrap();
            let (status, body) = emulator.post(&payload).expect("an invocation");
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
            let answer: Value = serde_json::from_slice(&body).unwrap();
            let failures = answer["batchItemFailures"].as_array().unwrap().len();
            assert_eq!(failures, usize::from(rejected), "{answer}");
        }
    }
    let stderr = std::fs::read_to_string(&stderr_path).expect("the logs");
    let lines = json_lines(&stderr);
    // The invocations' request ids, in the order their lines came.
    let mut requests: Vec<&str> = Vec::new();
    for line in &lines {
        if let Some(id) = line.get("requestId").and_then(Value::as_str)
            && !requests.contains(&id)
        {
            requests.push(id);
        }
    }
    let [good, failing] = requests[..] else {
        panic!("two invocations: {requests:?}\n{stderr}")
    };
    for (request, cold) in [(good, true), (failing, false)] {
        for line in of(&lines, request) {
            assert_eq!(line["coldStart"], cold, "{line:?}");
            assert_eq!(line["functionName"], "_");
            assert_eq!(line["functionMemorySize"], 4096);
            // cargo-lambda sends `function-arn` as the invoked ARN.
            assert!(line["functionArn"].is_string(), "{line:?}");
            assert_eq!(line["service"], "orders");
        }
    }
    assert_eq!(debug_orders(&of(&lines, good)), Vec::<String>::new(), "{stderr}");
    let mut held = debug_orders(&of(&lines, failing));
    held.sort();
    assert_eq!(held, ["ord-2-0", "ord-2-1"], "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_up_warns_once_when_lambda_would_drop_the_held_lines() {
    let outcome = serve(
        vec![
            Invocation::new("req-1", &batch(1, 2, true)),
            Invocation::new("req-2", &batch(2, 2, true)),
        ],
        Run {
            env: env(&[
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
                ("RUST_LOG", ""),
            ]),
            ..Run::new(ORDERS)
        },
    )
    .await;
    assert_eq!(outcome.answers.len(), 2, "{}", outcome.stderr);
    let lines = json_lines(&outcome.stderr);
    let warnings: Vec<_> = lines
        .iter()
        .filter(|line| {
            line["level"] == "WARN"
                && line["message"]
                    .as_str()
                    .unwrap()
                    .contains("AWS_LAMBDA_LOG_LEVEL is INFO")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{}", outcome.stderr);
    assert!(
        !warnings[0].contains_key("requestId"),
        "at start-up: {:?}",
        warnings[0]
    );
    // The held lines are still written (Lambda would drop them at the platform).
    assert_eq!(debug_orders(&of(&lines, "req-1")).len(), 2);
}
