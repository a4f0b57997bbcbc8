//! Events per second through the Lambda path, one line per event file, for
//! `bench/ancestors.py` to print beside the Python ancestors (issue #6, benchmark 6).
//!
//! `cargo run --release -p cloud-events-lambda --example throughput -- --seconds 1 FILE...`
//!
//! Each event is dispatched from its bytes as `lambda_runtime` hands them over (`Bytes`) to a
//! handler that takes the kind's typed event. Prints `FILE<TAB>EVENTS_PER_SECOND`.
//! With `--hand-written`, measures instead what a careful engineer writes without the framework
//! (`serde_json::from_slice` into the same typed event and a direct call to the same function).

use cloud_events_lambda::events::{EventBridgeEvent, RawEvent, S3Event, SnsEvent, SqsEvent};
use cloud_events_lambda::{CloudEvent, Context, Dependencies, Dispatcher, Kind, Options, on_event};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[on_event("aws.s3")]
fn s3(event: S3Event) -> usize {
    event.records.len()
}

#[on_event("aws.sqs")]
fn sqs(event: SqsEvent) -> usize {
    event.records.len()
}

#[on_event("aws.sns")]
fn sns(event: SnsEvent) -> usize {
    event.records.len()
}

#[on_event("aws.events")]
fn eventbridge(event: EventBridgeEvent) -> bool {
    event.detail.is_object()
}

#[on_event("cloudevents")]
fn cloudevent(event: CloudEvent) -> usize {
    event.id.len()
}

#[on_event(default)]
fn other(event: RawEvent) -> usize {
    event.json().len()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let mut seconds = 1.0_f64;
    let mut files = Vec::new();
    let mut hand_written = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--hand-written" => hand_written = true,
            "--seconds" => match args.next().and_then(|s| s.parse().ok()) {
                Some(value) => seconds = value,
                None => return usage("--seconds takes a number"),
            },
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        return usage("give at least one event file");
    }
    let dispatcher = match Dispatcher::new(Dependencies::new(), Options::default()) {
        Ok(dispatcher) => dispatcher,
        Err(error) => return usage(&error.to_string()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(error) => return usage(&format!("{file}: {error}")),
        };
        let kind = cloud_events_lambda::classify(&bytes).ok().and_then(|c| c.kind());
        let direct = hand_written_for(kind);
        let payload = bytes::Bytes::from(bytes.clone());
        let once = || -> Result<serde_json::Value, String> {
            if hand_written {
                let direct = direct.ok_or("no hand-written baseline for this kind")?;
                return direct(&bytes).map_err(|e| e.to_string());
            }
            runtime
                .block_on(dispatcher.dispatch_bytes(payload.clone(), Context::local(1, "throughput")))
                .map_err(|e| e.to_string())
        };
        if let Err(error) = once() {
            return usage(&format!("{file}: {error}"));
        }
        let budget = Duration::from_secs_f64(seconds);
        let start = Instant::now();
        let mut count = 0_u64;
        while start.elapsed() < budget {
            for _ in 0..100 {
                std::hint::black_box(once()).ok();
            }
            count += 100;
        }
        println!("{file}\t{:.1}", count as f64 / start.elapsed().as_secs_f64());
    }
    ExitCode::SUCCESS
}

/// Hand-written code: the kind's typed event straight from the bytes, and a direct call.
type Direct = fn(&[u8]) -> serde_json::Result<serde_json::Value>;

fn hand_written_for(kind: Option<Kind>) -> Option<Direct> {
    Some(match kind? {
        Kind::S3 => |b| Ok(s3(serde_json::from_slice(b)?).into()),
        Kind::Sqs => |b| Ok(sqs(serde_json::from_slice(b)?).into()),
        Kind::Sns => |b| Ok(sns(serde_json::from_slice(b)?).into()),
        Kind::EventBridge => |b| Ok(eventbridge(serde_json::from_slice(b)?).into()),
        Kind::CloudEvents => {
            |b| Ok(cloudevent(CloudEvent::from_json(b).map_err(serde::de::Error::custom)?).into())
        }
        _ => return None,
    })
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}\nusage: throughput [--seconds S] FILE...");
    ExitCode::FAILURE
}
