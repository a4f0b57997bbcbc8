//! Faults around the runtime (issue #7), through the stand-in for the Lambda Runtime API: the
//! API failing or breaking a connection, answers refused, a factory that fails from the cold
//! start, a panic inside a concurrent batch. Every invocation is either answered or, where the
//! runtime cannot go on, the process exits non-zero, which is how Lambda expects a runtime to
//! give up (it then starts a new execution environment and retries the event).

use cloud_events_tests::events::{s3, sqs_batch};
use cloud_events_tests::stand_in::{Answer, Faults, Invocation, Outcome, Run, serve};
use serde_json::json;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

const APP: &str = env!("CARGO_BIN_EXE_lambda-test-app");

fn uploads(count: usize) -> Vec<Invocation> {
    (1..=count)
        .map(|i| Invocation::new(format!("req-{i}"), &s3(&format!("book-{i}.epub"))))
        .collect()
}

fn faulty(faults: Faults) -> Run {
    Run {
        faults,
        timeout: Duration::from_secs(30),
        ..Run::new(APP)
    }
}

fn keys(outcome: &Outcome, id: &str) -> Option<serde_json::Value> {
    match outcome.answer(id)? {
        Answer::Response(value) => Some(value["keys"].clone()),
        Answer::Error { .. } => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_api_failing_makes_the_process_exit_for_lambda_to_restart_it() {
    let outcome = serve(
        uploads(3),
        faulty(Faults {
            fail_next: AtomicUsize::new(1),
            ..Faults::default()
        }),
    )
    .await;
    println!("{outcome:#?}");
    let status = outcome.exit.expect("the process exits by itself");
    assert!(!status.success(), "a non-zero exit: {status:?}");
    assert!(
        outcome.answers.is_empty(),
        "nothing was handed out, nothing answered"
    );
    // lambda_runtime 1.5 panics on it (it expects the request id header); the panic is
    // caught and reported as the runtime stopping.
    assert!(
        outcome
            .stderr
            .contains("the Lambda runtime stopped: the runtime client panicked"),
        "it says why: {}",
        outcome.stderr
    );
    assert_eq!(status.code(), Some(1), "our exit code, not a panic's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_invocation_makes_the_process_exit_and_nothing_is_answered() {
    let outcome = serve(
        uploads(3),
        faulty(Faults {
            cut_next: AtomicUsize::new(1),
            ..Faults::default()
        }),
    )
    .await;
    println!("{outcome:#?}");
    // The cut invocation is never answered with a made-up result, and the client stops: the
    // process exits non-zero, saying why.
    assert!(outcome.answers.is_empty(), "{:?}", outcome.answers);
    let status = outcome.exit.expect("the process exits by itself");
    assert!(!status.success(), "{status:?}");
    assert!(
        outcome.stderr.contains("the Lambda runtime stopped"),
        "{}",
        outcome.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_the_api_refuses_do_not_stop_the_runtime() {
    let outcome = serve(
        uploads(4),
        faulty(Faults {
            refuse_answers: AtomicUsize::new(2),
            ..Faults::default()
        }),
    )
    .await;
    println!("{outcome:#?}");
    assert_eq!(outcome.refused, ["req-1", "req-2"]);
    assert_eq!(outcome.exit, None, "{}", outcome.stderr);
    assert_eq!(keys(&outcome, "req-3"), Some(json!(["book-3.epub"])));
    assert_eq!(keys(&outcome, "req-4"), Some(json!(["book-4.epub"])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factory_failing_from_the_cold_start_fails_only_the_invocations_that_need_it() {
    let flag = std::env::temp_dir().join(format!("factory-fails-{}", std::process::id()));
    std::fs::write(&flag, "").unwrap();
    let sns = json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:eu-west-1:1:t:s",
        "Sns": {"Type": "Notification", "MessageId": "1", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Subject": null,
                "Message": "hi", "Timestamp": "2026-11-02T10:00:00.000Z", "SignatureVersion": "1", "Signature": "x",
                "SigningCertUrl": "https://x", "UnsubscribeUrl": "https://x", "MessageAttributes": {}}}]});
    let invocations = vec![
        Invocation::new("sns-1", &sns),
        Invocation::new("s3-1", &s3("a.epub")),
        Invocation::new("sns-2", &sns),
    ];
    let run = Run {
        env: vec![("TEST_FACTORY_FAILS".into(), flag.display().to_string())],
        ..faulty(Faults::default())
    };
    let outcome = serve(invocations, run).await;
    std::fs::remove_file(&flag).unwrap();
    println!("{outcome:#?}");
    assert_eq!(outcome.exit, None, "serves on: {}", outcome.stderr);
    for id in ["sns-1", "sns-2"] {
        let Some(Answer::Error { body, .. }) = outcome.answer(id) else {
            panic!("{id}: {:?}", outcome.answer(id));
        };
        assert_eq!(body["errorType"], "DependencyFailed", "{id}");
        let message = body["errorMessage"].as_str().unwrap();
        assert!(
            message.contains("clock") && message.contains("unreachable"),
            "{message}"
        );
    }
    assert_eq!(keys(&outcome, "s3-1"), Some(json!(["a.epub"])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_a_concurrent_batch_fails_that_record_and_no_other() {
    let bodies = [
        "ok", "panic", "slow", "fail", "ok", "panic", "slow", "ok", "slow", "ok",
    ];
    let run = Run {
        env: vec![("TEST_RECORD_CONCURRENCY".into(), "4".into())],
        ..faulty(Faults::default())
    };
    let outcome = serve(vec![Invocation::new("batch", &sqs_batch(&bodies))], run).await;
    println!("{outcome:#?}");
    let Some(Answer::Response(answer)) = outcome.answer("batch") else {
        panic!("{:?}", outcome.answer("batch"));
    };
    // Every record is processed or reported: the panicking and failing ones are reported,
    // in record order, and nothing else.
    let reported: Vec<&str> = answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = bodies
        .iter()
        .enumerate()
        .filter(|(_, body)| matches!(**body, "panic" | "fail"))
        .map(|(i, _)| format!("m{}", i + 1))
        .collect();
    assert_eq!(reported, expected);
    assert_eq!(outcome.exit, None, "{}", outcome.stderr);
}
