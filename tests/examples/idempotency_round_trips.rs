//! Issue #22's store goals, measured: the round trips an idempotent record costs, counted at
//! the server (dynalite behind a counting proxy), on a first run, a duplicate and a local-cache
//! hit; and the time a 10-record batch takes when every request to the store is held 20 ms
//! (the proxy's delay; and the in-memory store's, for a server that returns the refusing item
//! with a failed put), against that round trip.
//!
//! `DYNALITE=path/to/dynalite cargo run --release -p cloud-events-tests --example idempotency_round_trips -- [ROUNDS]`

use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::idempotency::{DynamoDbStore, Idempotency, InMemoryStore};
use cloud_events_lambda::{Context, Dependencies, Dispatcher, Options, on_event};
use cloud_events_tests::dynamodb_server::{DynamoDbServer, Proxy, client, create_table, find_or_install};
use cloud_events_tests::events::sqs_batch;
use serde_json::json;
use std::time::{Duration, Instant};

#[on_event("aws.sqs", idempotent)]
fn capture(message: SqsMessage) -> usize {
    message.body.map_or(0, |body| body.len())
}

const LATENCY: Duration = Duration::from_millis(20);

fn batch(round: usize, records: usize) -> String {
    let bodies: Vec<String> = (0..records)
        .map(|n| json!({"orderId": format!("o-{round}-{n}")}).to_string())
        .collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let mut event = sqs_batch(&bodies);
    for (n, record) in event["Records"].as_array_mut().unwrap().iter_mut().enumerate() {
        record["messageId"] = json!(format!("m-{round}-{n}"));
    }
    event.to_string()
}

fn dispatcher(idempotency: Idempotency) -> Dispatcher {
    let mut dependencies = Dependencies::new();
    dependencies.insert(idempotency);
    Dispatcher::new(dependencies, Options::default()).expect("starts")
}

async fn timed(dispatcher: &Dispatcher, event: &str) -> Duration {
    let started = Instant::now();
    dispatcher
        .dispatch(event, Context::local(1, "bench"))
        .await
        .expect("answered");
    started.elapsed()
}

fn range(label: &str, times: &[Duration]) {
    let ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    let (low, high) = ms
        .iter()
        .fold((f64::MAX, 0f64), |(l, h), &t| (l.min(t), h.max(t)));
    let trip = LATENCY.as_secs_f64() * 1000.0;
    println!(
        "{label}: {low:.1} to {high:.1} ms over {} rounds = {:.2} to {:.2} round trips of {trip} ms",
        ms.len(),
        low / trip,
        high / trip,
    );
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(5);
    let dir = std::env::temp_dir().join("cloud-events-idempotency-bench");
    let binary = find_or_install(&dir).expect("dynalite");
    let data = dir.join(format!("data-{}", std::process::id()));
    let mut server = DynamoDbServer::start(&binary, &data, None).expect("dynalite starts");

    // Round trips, counted at the server.
    let counting = Proxy::start(server.port(), Duration::ZERO).await;
    let direct = client(&counting.endpoint());
    create_table(&direct, "bench").await.expect("table");
    counting.take();
    let store = DynamoDbStore::new(direct.clone(), "bench");
    let plain = dispatcher(Idempotency::new(store.clone()));
    let event = batch(0, 10);
    let count = |label: &str, requests: Vec<String>| {
        let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
        for request in &requests {
            *by_kind.entry(request.clone()).or_default() += 1;
        }
        println!(
            "{label}: {:.1} requests a record {by_kind:?}",
            requests.len() as f64 / 10.0
        );
    };
    plain.dispatch(&event, Context::local(1, "bench")).await.unwrap();
    count("dynalite, first run", counting.take());
    plain.dispatch(&event, Context::local(2, "bench")).await.unwrap();
    count("dynalite, duplicate", counting.take());
    let cached = dispatcher(Idempotency::new(store).local_cache(100));
    cached.dispatch(&event, Context::local(3, "bench")).await.unwrap(); // fills the cache
    counting.take();
    cached.dispatch(&event, Context::local(4, "bench")).await.unwrap();
    count("dynalite, local cache hit", counting.take());
    let memory = InMemoryStore::new();
    let counted = dispatcher(Idempotency::new(memory.clone()));
    counted
        .dispatch(&event, Context::local(1, "bench"))
        .await
        .unwrap();
    let first = memory.requests();
    counted
        .dispatch(&event, Context::local(2, "bench"))
        .await
        .unwrap();
    println!(
        "in-memory store (returns the refusing record): {:.1} requests a record first, {:.1} on a duplicate",
        first as f64 / 10.0,
        (memory.requests() - first) as f64 / 10.0
    );

    // Latency: every request held 20 ms.
    let slow = Proxy::start(server.port(), LATENCY).await;
    let held = dispatcher(Idempotency::new(DynamoDbStore::new(
        client(&slow.endpoint()),
        "bench",
    )));
    let in_memory = dispatcher(Idempotency::new(InMemoryStore::new().with_latency(LATENCY)));
    let (mut first_dynalite, mut again_dynalite, mut first_memory, mut again_memory) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // dynalite's own time (node, one thread, tables on disk), with nothing held.
    let (mut first_bare, mut again_bare) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let event = batch(round, 10);
        first_dynalite.push(timed(&held, &event).await);
        again_dynalite.push(timed(&held, &event).await);
        let event = batch(1_000 + round, 10);
        first_bare.push(timed(&plain, &event).await);
        again_bare.push(timed(&plain, &event).await);
        first_memory.push(timed(&in_memory, &event).await);
        again_memory.push(timed(&in_memory, &event).await);
    }
    range("10-record batch, first run, dynalite + 20 ms", &first_dynalite);
    range("10-record batch, duplicate, dynalite + 20 ms", &again_dynalite);
    range("10-record batch, first run, dynalite, nothing held", &first_bare);
    range("10-record batch, duplicate, dynalite, nothing held", &again_bare);
    range("10-record batch, first run, in-memory + 20 ms", &first_memory);
    range("10-record batch, duplicate, in-memory + 20 ms", &again_memory);
    server.stop();
    let _ = std::fs::remove_dir_all(&data);
}
