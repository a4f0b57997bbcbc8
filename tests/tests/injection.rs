//! Dependency injection through the macros: registered values, `#[dependency]` factories of
//! each scope (counted), nested and async factories, handler-site arguments, failing
//! factories, `Data<T>`, and a user's own `FromInvocation` type.

use cloud_events_lambda::{
    __private::Invocation, Classification, Context, Data, Dep, DepArgs, Dependencies, DispatchError,
    Dispatcher, FromInvocation, Options, RawEvent, dependency, on_cloudevent, on_event,
};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

static PROCESS_MADE: AtomicUsize = AtomicUsize::new(0);
static INVOCATION_MADE: AtomicUsize = AtomicUsize::new(0);
static TRANSIENT_MADE: AtomicUsize = AtomicUsize::new(0);

struct Config {
    greeting: &'static str,
}

struct Client {
    serial: usize,
}

#[dependency(scope = "process")]
fn client() -> Client {
    Client {
        serial: PROCESS_MADE.fetch_add(1, Ordering::SeqCst) + 1,
    }
}

struct Session {
    serial: usize,
    client: usize,
}

/// Async, and nested: needs the process-wide client.
#[dependency]
async fn session(client: Dep<Client>) -> Session {
    tokio::task::yield_now().await;
    Session {
        serial: INVOCATION_MADE.fetch_add(1, Ordering::SeqCst) + 1,
        client: client.serial,
    }
}

struct Scratch {
    serial: usize,
}

#[dependency(scope = "transient")]
fn scratch() -> Scratch {
    Scratch {
        serial: TRANSIENT_MADE.fetch_add(1, Ordering::SeqCst) + 1,
    }
}

struct Notifier {
    line: String,
}

/// Chosen by the arguments given at the handler site; uses a registered value.
#[dependency]
fn notifier(args: DepArgs, config: Dep<Config>) -> Result<Notifier, String> {
    match args.get(0) {
        Some(channel) => Ok(Notifier {
            line: format!("{} via {channel}", config.greeting),
        }),
        None => Err("no channel given: write #[dep(\"slack\")]".to_owned()),
    }
}

struct Broken;

#[dependency]
fn broken() -> Result<Broken, std::io::Error> {
    Err(std::io::Error::other("database is down"))
}

/// A user's own injectable type.
struct RequestId(String);

impl FromInvocation for RequestId {
    async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        Ok(RequestId(invocation.context().request_id.clone()))
    }
}

#[on_event("aws.s3")]
#[allow(clippy::too_many_arguments)]
async fn everything(
    _event: RawEvent,
    first: Dep<Session>,
    second: Dep<Session>,
    scratch_a: Dep<Scratch>,
    scratch_b: Dep<Scratch>,
    #[dep("slack")] slack: Dep<Notifier>,
    #[dep("email")] email: Dep<Notifier>,
    request: RequestId,
) -> Value {
    json!({
        "sessions": [first.serial, second.serial],
        "client": first.client,
        "scratch": [scratch_a.serial, scratch_b.serial],
        "notifiers": [slack.line, email.line],
        "request": request.0,
    })
}

#[on_event("aws.sqs")]
fn needs_broken(_event: RawEvent, _broken: Dep<Broken>) {}

#[on_event("aws.sns")]
fn notifier_without_arguments(_event: RawEvent, notifier: Dep<Notifier>) -> String {
    notifier.line.clone()
}

#[derive(serde::Deserialize, serde::Serialize)]
struct Instance {
    #[serde(rename = "instance-id")]
    instance_id: String,
}

#[on_event("aws.events")]
fn detail(
    _event: RawEvent,
    detail: Data<Instance>,
    classification: Classification,
    context: Context,
) -> Value {
    json!([detail.instance_id, classification.source(), context.request_id])
}

#[derive(serde::Deserialize)]
struct Order {
    amount: i64,
}

#[on_cloudevent(source = "/orders")]
fn order(_event: RawEvent, order: Data<Order>) -> i64 {
    order.amount
}

fn dispatcher() -> Dispatcher {
    let mut values = Dependencies::new();
    values.insert(Config { greeting: "hello" });
    Dispatcher::new(values, Options::default()).expect("every dependency can be made")
}

const S3: &str = r#"{"Records":[{"eventSource":"aws:s3"}]}"#;

async fn dispatch(dispatcher: &Dispatcher, json: &str, n: usize) -> Result<Value, DispatchError> {
    dispatcher.dispatch(json, Context::local(n, "test")).await
}

#[tokio::test]
async fn each_scope_makes_values_as_often_as_it_says() {
    let d = dispatcher();
    let first = dispatch(&d, S3, 1).await.unwrap();
    let second = dispatch(&d, S3, 2).await.unwrap();
    // Process scope: made once, shared by both invocations.
    assert_eq!(PROCESS_MADE.load(Ordering::SeqCst), 1);
    assert_eq!(first["client"], 1);
    assert_eq!(second["client"], 1);
    // Invocation scope: one per invocation, shared by both parameters.
    assert_eq!(INVOCATION_MADE.load(Ordering::SeqCst), 2);
    assert_eq!(first["sessions"], json!([1, 1]));
    assert_eq!(second["sessions"], json!([2, 2]));
    // Transient: one per parameter.
    assert_eq!(TRANSIENT_MADE.load(Ordering::SeqCst), 4);
    assert_eq!(first["scratch"], json!([1, 2]));
    // Handler-site arguments choose the value, and values of different arguments differ.
    assert_eq!(first["notifiers"], json!(["hello via slack", "hello via email"]));
    assert_eq!(first["request"], "local-1");
}

#[tokio::test]
async fn a_failing_factory_fails_the_invocation_naming_the_factory() {
    let d = dispatcher();
    let error = dispatch(&d, r#"{"Records":[{"eventSource":"aws:sqs"}]}"#, 1)
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "DependencyFailed");
    assert_eq!(
        error.message,
        "dependency factory `injection::broken` failed: database is down"
    );
    let error = dispatch(&d, r#"{"Records":[{"EventSource":"aws:sns"}]}"#, 2)
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "DependencyFailed");
    assert!(error.message.contains("no channel given"), "{}", error.message);
}

#[tokio::test]
async fn data_is_the_eventbridge_detail_or_the_cloudevent_data() {
    let d = dispatcher();
    let event = r#"{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-1"}}"#;
    assert_eq!(
        dispatch(&d, event, 7).await.unwrap(),
        json!(["i-1", "aws.ec2", "local-7"])
    );
    let order = r#"{"specversion":"1.0","id":"1","source":"/orders","type":"created","data":{"amount":12}}"#;
    assert_eq!(dispatch(&d, order, 1).await.unwrap(), json!(12));
    let bad = r#"{"specversion":"1.0","id":"1","source":"/orders","type":"created","data":{"amount":"x"}}"#;
    let error = dispatch(&d, bad, 1).await.unwrap_err();
    assert_eq!(error.error_type(), "EventDecodeFailed");
    assert!(error.message.contains("`data` does not fit"), "{}", error.message);
}
