//! End to end: the `orders` binary traced over OTLP/HTTP, against the Runtime API stand-in
//! and against `cargo lambda watch`, exporting to a receiver that decodes each export with
//! the official OpenTelemetry protobuf definitions (PyPI `opentelemetry-proto`).

use cloud_events_tests::cargo_lambda::{self, Emulator};
use cloud_events_tests::otlp_receiver::{OtlpReceiver, find_or_install_python};
use cloud_events_tests::stand_in::{Invocation, Run, serve};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

const ORDERS: &str = env!("CARGO_BIN_EXE_orders");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The receiver, or `None` (the test says it skipped) when no Python with
/// `opentelemetry-proto` can be had.
async fn receiver(name: &str) -> Option<OtlpReceiver> {
    let dir = scratch(name);
    let python = match find_or_install_python(Path::new(env!("CARGO_TARGET_TMPDIR"))) {
        Ok(python) => python,
        Err(why) => {
            eprintln!("skipped: {why}");
            return None;
        }
    };
    Some(
        OtlpReceiver::start(&python, &dir)
            .await
            .expect("the receiver starts"),
    )
}

/// `events/traced.json`: three orders, the second rejected, the third with a malformed
/// `AWSTraceHeader`; order ids made unique by `n` (the ledger refuses an order twice).
fn traced_event(n: usize) -> Value {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("events/traced.json")).unwrap();
    serde_json::from_str(&text.replace("ord-00", &format!("ord-{n}-"))).unwrap()
}

/// Lambda's header for invocation `n`: trace `6a1b2c3d...0n`, parent `...0n`.
fn lambda_header(n: usize) -> (String, String, String) {
    let trace = format!("6a1b2c3d00000000000000000000000{n}");
    let parent = format!("00000000000000a{n}");
    let header =
        format!("Root=1-6a1b2c3d-00000000000000000000000{n};Parent={parent};Sampled=1;Lineage=1:a87bd80c:0");
    (header, trace, parent)
}

fn of_trace<'a>(spans: &'a [Value], trace: &str) -> Vec<&'a Value> {
    spans.iter().filter(|s| s["trace_id"] == trace).collect()
}

fn child_of<'a>(spans: &[&'a Value], parent: &Value) -> Vec<&'a Value> {
    spans
        .iter()
        .copied()
        .filter(|s| s["parent_span_id"] == parent["span_id"])
        .collect()
}

/// Checks one invocation's spans: the batch span under Lambda's parent, linked to the two
/// valid upstream headers; the handler's; one per order, each linked to its own header.
fn check_invocation(spans: &[&Value], parent: &str) {
    assert_eq!(spans.len(), 5, "{spans:#?}");
    let invocation = spans
        .iter()
        .find(|s| s["parent_span_id"] == parent)
        .unwrap_or_else(|| panic!("no span under Lambda's parent {parent}: {spans:#?}"));
    assert_eq!(invocation["name"], "orders process");
    assert_eq!(invocation["kind"], "CONSUMER");
    assert_eq!(invocation["attributes"]["faas.trigger"], "pubsub");
    assert_eq!(invocation["attributes"]["messaging.system"], "aws_sqs");
    assert_eq!(invocation["attributes"]["messaging.batch.message_count"], 3);
    let links: Vec<&Value> = invocation["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["span_id"])
        .collect();
    assert_eq!(links, [&json!("a1b2c3d4e5f60718"), &json!("0a1b2c3d4e5f6071")]);
    let handler = child_of(spans, invocation);
    assert_eq!(handler.len(), 1);
    assert_eq!(handler[0]["name"], "handler order_received");
    let records = child_of(spans, handler[0]);
    let expected = [
        (
            "0e7c1a21-4b2d-4f8e-9a61-5c3d2e1f0a21",
            Some("a1b2c3d4e5f60718"),
            "UNSET",
        ),
        (
            "0e7c1a22-4b2d-4f8e-9a61-5c3d2e1f0a22",
            Some("0a1b2c3d4e5f6071"),
            "ERROR",
        ),
        ("0e7c1a23-4b2d-4f8e-9a61-5c3d2e1f0a23", None, "UNSET"),
    ];
    for (id, link, status) in expected {
        let record = records
            .iter()
            .find(|r| r["attributes"]["messaging.message.id"] == id)
            .unwrap_or_else(|| panic!("no span for {id}: {records:#?}"));
        assert_eq!(record["name"], "orders process");
        let links: Vec<&str> = record["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["span_id"].as_str().unwrap())
            .collect();
        assert_eq!(links, link.into_iter().collect::<Vec<_>>(), "{id}");
        assert_eq!(record["status"]["code"], status, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invocations_spans_continue_lambdas_trace_and_arrive_before_the_next_event_is_asked_for() {
    let Some(receiver) = receiver("traces-stand-in").await else {
        return;
    };
    // First an invocation Lambda does not sample: no spans, and the process's cold start.
    let unsampled = "Root=1-6a1b2c3d-000000000000000000000009;Parent=00000000000000a9;Sampled=0";
    let invocations = std::iter::once(Invocation::new("req-0", &traced_event(0)).traced(unsampled))
        .chain(
            (1..=3).map(|n| Invocation::new(format!("req-{n}"), &traced_event(n)).traced(lambda_header(n).0)),
        )
        .collect();
    let outcome = serve(
        invocations,
        Run {
            env: vec![("OTEL_EXPORTER_OTLP_ENDPOINT".into(), receiver.endpoint.clone())],
            await_next_after_last: true,
            ..Run::new(ORDERS)
        },
    )
    .await;
    assert_eq!(outcome.answers.len(), 4, "{}", outcome.stderr);
    // Every invocation's spans were received before the function asked for the next event:
    // the `/next` after answer n is request n + 1.
    assert_eq!(outcome.next_requests.len(), 5, "{}", outcome.stderr);
    // The receiver's lines are read by a task of their own: wait for all of them.
    let spans = receiver.wait_for_spans(15, Duration::from_secs(10)).await;
    assert_eq!(spans.len(), 15, "only the three sampled invocations: {spans:#?}");
    let exports = receiver.exports();
    for n in 1..=3 {
        let (_, trace, parent) = lambda_header(n);
        let mine = of_trace(&spans, &trace);
        check_invocation(&mine, &parent);
        let arrived = exports
            .iter()
            .filter(|e| e.spans.iter().any(|s| s["trace_id"] == trace))
            .map(|e| e.at)
            .max()
            .unwrap();
        assert!(
            arrived < outcome.next_requests[n + 1],
            "invocation {n}'s spans arrived after the function asked for the next event"
        );
        let invocation = mine.iter().find(|s| s["parent_span_id"] == parent).unwrap();
        assert_eq!(invocation["attributes"]["faas.invocation_id"], format!("req-{n}"));
        // The cold start was the unsampled invocation's.
        assert_eq!(invocation["attributes"]["faas.coldstart"], false);
        assert_eq!(invocation["attributes"]["cloud.account.id"], "123456789012");
        assert_eq!(
            invocation["attributes"]["cloud.resource_id"],
            "arn:aws:lambda:eu-west-1:123456789012:function:test"
        );
    }
    let resource = &exports[0].resource;
    assert_eq!(resource["service.name"], "test");
    assert_eq!(resource["faas.name"], "test");
    assert_eq!(resource["cloud.provider"], "aws");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_receiver_down_or_silent_every_invocation_is_answered_in_bounded_time() {
    // Down: nothing listens on the port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    // Silent: it accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_endpoint = format!("http://{}", silent.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    for (what, endpoint) in [("down", down), ("silent", silent_endpoint)] {
        // Sampled invocations, each followed by one Lambda does not sample (nothing to send
        // says nothing of the receiver: the failure is still logged once).
        let invocations = (1..=3)
            .flat_map(|n| {
                let unsampled = lambda_header(n).0.replace("Sampled=1", "Sampled=0");
                [
                    Invocation::new(format!("{what}-{n}"), &traced_event(n)).traced(lambda_header(n).0),
                    Invocation::new(format!("{what}-{n}-unsampled"), &traced_event(n + 10)).traced(unsampled),
                ]
            })
            .collect();
        let outcome = serve(
            invocations,
            Run {
                env: vec![
                    ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), endpoint),
                    ("OTEL_EXPORTER_OTLP_TIMEOUT".into(), "300".into()),
                ],
                await_next_after_last: true,
                ..Run::new(ORDERS)
            },
        )
        .await;
        assert_eq!(outcome.answers.len(), 6, "{what}: {}", outcome.stderr);
        for answer in &outcome.answers {
            assert_eq!(
                answer.answer,
                cloud_events_tests::stand_in::Answer::Response(
                    json!({"batchItemFailures": [{"itemIdentifier": "0e7c1a22-4b2d-4f8e-9a61-5c3d2e1f0a22"}]})
                ),
                "{what}"
            );
        }
        // Bounded: the next event is asked for within the export timeout and some slack.
        for pair in outcome.next_requests.windows(2) {
            let gap = pair[1].duration_since(pair[0]).unwrap_or_default();
            assert!(gap < Duration::from_secs(3), "{what}: {gap:?}");
        }
        // Logged once, not once per invocation.
        // (A failing invocation's held DEBUG lines say so too, when they are written.)
        let warnings = outcome
            .stderr
            .lines()
            .filter(|line| line.starts_with(" WARN") && line.contains("traces were not exported"))
            .count();
        assert_eq!(warnings, 1, "{what}: {}", outcome.stderr);
    }
    holder.abort();
}

#[test]
fn cargo_lambdas_emulator_serves_a_traced_function() {
    let dir = scratch("traces-cargo-lambda");
    let Some(binary) = cargo_lambda::find_or_skip(&dir) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(receiver) = runtime.block_on(receiver("traces-cargo-lambda-receiver")) else {
        return;
    };
    let mut emulator = Emulator::start(&binary, &dir).expect("cargo lambda watch starts");
    emulator
        .serve(
            Path::new(ORDERS),
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str())],
        )
        .expect("the app starts");
    for round in 1..=2 {
        let payload = serde_json::to_vec(&traced_event(round)).unwrap();
        let (status, body) = emulator.post(&payload).expect("an invocation");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let spans = runtime.block_on(receiver.wait_for_spans(5 * round, Duration::from_secs(20)));
        assert_eq!(spans.len(), 5 * round, "{spans:#?}");
    }
    let exports = receiver.exports();
    let spans = receiver.spans();
    let traces: Vec<&str> = exports
        .iter()
        .map(|export| export.spans[0]["trace_id"].as_str().unwrap())
        .collect();
    assert_eq!(traces.len(), 2, "one export per invocation");
    assert_ne!(traces[0], traces[1], "one trace per invocation");
    for (n, trace) in traces.into_iter().enumerate() {
        let mine = of_trace(&spans, trace);
        let root = mine
            .iter()
            .find(|s| !mine.iter().any(|p| p["span_id"] == s["parent_span_id"]))
            .unwrap();
        check_invocation(&mine, root["parent_span_id"].as_str().unwrap());
        assert_eq!(root["attributes"]["faas.coldstart"], n == 0, "invocation {n}");
    }
}
