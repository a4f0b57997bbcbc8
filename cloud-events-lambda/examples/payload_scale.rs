//! Scale in payload (issue #6, benchmark 4): an SQS batch of N small records, or one record
//! whose body is N bytes, dispatched to a per-record handler through the Lambda path. Prints
//! the time per dispatch and per record and the process's peak resident memory (`VmHWM`)
//! before the payload was built and after it was dispatched.
//!
//! ```text
//! cargo build --release -p cloud-events-lambda --example payload_scale
//! /usr/bin/time -v target/release/examples/payload_scale records 10000
//! /usr/bin/time -v target/release/examples/payload_scale body 6000000
//! ```

use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::{Context, Dependencies, Dispatcher, Options, on_event};
use std::process::ExitCode;
use std::time::Instant;

#[on_event("aws.sqs")]
fn record(message: SqsMessage) -> Result<(), String> {
    match message.body {
        Some(body) if !body.is_empty() => Ok(()),
        _ => Err("empty body".to_owned()),
    }
}

/// An SQS event of `count` records whose bodies are `body_size` bytes.
/// Built in place, with no temporary copy of a body, so that the peak memory measured is the
/// dispatcher's.
fn sqs_batch(count: usize, body_size: usize) -> String {
    use std::fmt::Write;
    let mut json = String::with_capacity(count * (body_size + 320) + 16);
    json.push_str(r#"{"Records":["#);
    for i in 0..count {
        if i > 0 {
            json.push(',');
        }
        write!(json, r#"{{"messageId":"m{i}","receiptHandle":"AQEB{i}","body":""#).expect("a String");
        json.extend(std::iter::repeat_n('x', body_size));
        json.push_str(r#"","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1793613600000"},"messageAttributes":{},"md5OfBody":"00000000000000000000000000000000","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:q","awsRegion":"eu-west-1"}"#);
    }
    json.push_str("]}");
    json
}

/// Peak resident memory of this process so far, in KiB (Linux).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (count, body_size) = match (args.first().map(String::as_str), args.get(1).map(|n| n.parse())) {
        (Some("records"), Some(Ok(n))) => (n, 16),
        (Some("body"), Some(Ok(n))) => (1, n),
        _ => {
            eprintln!("usage: payload_scale records N | body BYTES");
            return ExitCode::FAILURE;
        }
    };
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).expect("handlers");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let start_peak = peak_kib();
    // The payload as `lambda_runtime` hands it over (`Bytes`), made without a copy.
    let json = bytes::Bytes::from(sqs_batch(count, body_size));
    let size = json.len();
    let built_peak = peak_kib();
    // Enough repetitions for a stable time on small payloads (a few for the big ones).
    let repeats = (64_000_000 / size).clamp(3, 10_000);
    let start = Instant::now();
    for _ in 0..repeats {
        // Each invocation gets the body bytes, as from `lambda_runtime` (a reference, no copy).
        let answer = runtime
            .block_on(dispatcher.dispatch_bytes(json.clone(), Context::local(1, "payload_scale")))
            .expect("the batch is answered");
        let failures = answer["batchItemFailures"].as_array().map_or(0, Vec::len);
        assert_eq!(failures, 0, "every record is processed");
    }
    let elapsed = start.elapsed() / repeats as u32;
    let after = peak_kib();
    let ratio = |kib: u64| kib as f64 * 1024.0 / size as f64;
    println!(
        "records={count} body={body_size}B payload={size}B dispatch={elapsed:?} per_record={:?} \
         peak: {start_peak}KiB at start, {built_peak}KiB with the payload, {after}KiB after dispatch; \
         growth with the input {:.2}x the payload, dispatch alone {:.2}x",
        elapsed / count as u32,
        ratio(after - start_peak),
        ratio(after - built_peak),
    );
    ExitCode::SUCCESS
}
