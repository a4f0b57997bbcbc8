//! The spans of each invocation (feature `opentelemetry`), checked with the SDK's in-memory
//! exporter: parents from Lambda's trace header, links to each record's upstream context,
//! attributes by trigger family, CloudEvents, failures, panics, the deadline, sampling,
//! concurrent invocations, exporters that fail or hang.

use cloud_events_lambda::events::{ApiGatewayProxyRequest, KafkaRecord, S3Event, SqsMessage};
use cloud_events_lambda::traces::opentelemetry::trace::{SpanKind, Status};
use cloud_events_lambda::traces::opentelemetry::{KeyValue, Value as OtelValue};
use cloud_events_lambda::traces::opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use cloud_events_lambda::traces::opentelemetry_sdk::trace::{
    InMemorySpanExporter, SdkTracerProvider, SpanData, SpanExporter,
};
use cloud_events_lambda::traces::{CloudEventTraceExt, Traces};
use cloud_events_lambda::{
    CloudEvent, Context, Dependencies, Dispatcher, Options, RawEvent, on_cloudevent, on_event,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TRACE: &str = "5759e988bd862e3fe1be46a994272793";
const LAMBDA_PARENT: &str = "53995c3f42cd8ad8";

/// Lambda's header for a sampled (or not) invocation of trace [`TRACE`].
fn lambda_header(sampled: bool) -> String {
    format!(
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent={LAMBDA_PARENT};Sampled={};Lineage=1:a87bd80c:0",
        u8::from(sampled)
    )
}

/// Fails on `fail`, panics on `panic`, waits on `wait` (for the concurrency test).
#[on_event("aws.sqs")]
async fn order_placed(message: SqsMessage) -> Result<(), String> {
    match message.body.as_deref().unwrap_or_default() {
        "fail" => Err("payment declined".to_owned()),
        "panic" => panic!("ledger exploded"),
        "wait" => {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(())
        }
        _ => Ok(()),
    }
}

#[on_event("aws.s3")]
fn uploaded(_event: S3Event) {}

#[on_event("aws.kafka")]
fn streamed(_record: KafkaRecord) {}

#[on_event("aws.apigateway")]
fn api(_request: ApiGatewayProxyRequest) -> &'static str {
    "ok"
}

/// An EventBridge event; `slow.app` sleeps past any deadline.
#[on_event("aws.events")]
async fn scheduled(event: RawEvent) {
    if event.json().contains("slow.app") {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

/// Sends a CloudEvent on: its `traceparent` is this handler's span.
#[on_cloudevent(source = "/orders", type = "com.example.order.created")]
fn order_created(_event: CloudEvent<Value>) -> Value {
    let shipped = CloudEvent::new("/shipping", "com.example.order.shipped", json!({}))
        .unwrap()
        .with_trace_context();
    json!(shipped.extensions)
}

#[on_event(default)]
fn anything_else(_event: RawEvent) {}

/// Makes a span of its own with the global tracer, as application code does.
#[on_event("aws.sns")]
fn notified(_event: RawEvent) {
    use cloud_events_lambda::traces::opentelemetry::trace::{Tracer, TracerProvider};
    let tracer = cloud_events_lambda::traces::opentelemetry::global::tracer_provider().tracer("orders-app");
    tracer.in_span("send e-mail", |_| ());
}

fn dispatcher(traces: &Traces) -> Dispatcher {
    Dispatcher::new(Dependencies::new(), Options::default())
        .unwrap()
        .with_traces(traces.clone())
}

fn context(request: &str, header: Option<String>) -> Context {
    Context {
        request_id: request.to_owned(),
        invoked_function_arn: "arn:aws:lambda:eu-west-1:123456789012:function:orders".to_owned(),
        xray_trace_id: header,
        ..Context::local(1, "orders")
    }
}

/// Dispatches `event` once, traced into a fresh in-memory exporter; the answer and the spans.
async fn traced(event: &Value, header: Option<String>) -> (Result<Value, String>, Vec<SpanData>) {
    let exporter = InMemorySpanExporter::default();
    let traces = Traces::exporter(exporter.clone());
    let answer = dispatcher(&traces)
        .dispatch(&event.to_string(), context("req-1", header))
        .await
        .map_err(|e| e.error_type().to_owned());
    assert!(
        exporter.get_finished_spans().unwrap().is_empty(),
        "nothing is exported before the flush"
    );
    traces.flush().await;
    (answer, exporter.get_finished_spans().unwrap())
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a OtelValue> {
    span.attributes
        .iter()
        .find(|kv: &&KeyValue| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn text(span: &SpanData, key: &str) -> String {
    match attribute(span, key) {
        Some(value) => value.as_str().into_owned(),
        None => panic!("span {:?} has no {key}: {:#?}", span.name, span.attributes),
    }
}

/// The one span named `name`.
fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found: Vec<&SpanData> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "spans named {name:?} among {:#?}", names(spans));
    found[0]
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

/// The invocation's span: the one whose parent is not among the spans.
fn root(spans: &[SpanData]) -> &SpanData {
    let roots: Vec<&SpanData> = spans
        .iter()
        .filter(|s| !spans.iter().any(|p| p.span_context.span_id() == s.parent_span_id))
        .collect();
    assert_eq!(roots.len(), 1, "one invocation span among {:#?}", names(spans));
    roots[0]
}

fn children<'a>(spans: &'a [SpanData], parent: &SpanData) -> Vec<&'a SpanData> {
    spans
        .iter()
        .filter(|s| s.parent_span_id == parent.span_context.span_id())
        .collect()
}

fn sqs_message(id: &str, body: &str, trace_header: Option<&str>) -> Value {
    let mut attributes = json!({"ApproximateReceiveCount": "1", "SentTimestamp": "1764756000000"});
    if let Some(header) = trace_header {
        attributes["AWSTraceHeader"] = json!(header);
    }
    json!({
        "messageId": id, "receiptHandle": "h", "body": body, "attributes": attributes,
        "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:orders", "awsRegion": "eu-west-1"
    })
}

const UPSTREAM_1: &str = "Root=1-6a1b2c3d-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1";
const UPSTREAM_2: &str = "Root=1-6a1b2c3d-fedcba9876543210fedcba98;Parent=2222222222222222;Sampled=1";

#[tokio::test]
async fn an_sqs_batch_is_a_consumer_span_under_lambdas_parent_linked_to_each_message() {
    let event = json!({"Records": [
        sqs_message("m-1", "ok", Some(UPSTREAM_1)),
        sqs_message("m-2", "fail", Some(UPSTREAM_2)),
        sqs_message("m-3", "ok", Some("Root=garbage;Parent=zz;Sampled=1")),
        sqs_message("m-4", "ok", None),
    ]});
    let (answer, spans) = traced(&event, Some(lambda_header(true))).await;
    assert_eq!(
        answer.unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "m-2"}]})
    );
    assert_eq!(spans.len(), 6, "{:#?}", names(&spans));

    let invocation = root(&spans);
    assert_eq!(invocation.name, "orders process");
    assert_eq!(invocation.span_kind, SpanKind::Consumer);
    assert_eq!(invocation.span_context.trace_id().to_string(), TRACE);
    assert_eq!(invocation.parent_span_id.to_string(), LAMBDA_PARENT);
    assert!(invocation.parent_span_is_remote);
    assert_eq!(text(invocation, "faas.trigger"), "pubsub");
    assert_eq!(text(invocation, "faas.invocation_id"), "req-1");
    assert!(matches!(
        attribute(invocation, "faas.coldstart"),
        Some(OtelValue::Bool(_))
    ));
    assert_eq!(
        text(invocation, "cloud.resource_id"),
        "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    );
    assert_eq!(text(invocation, "cloud.account.id"), "123456789012");
    assert_eq!(text(invocation, "messaging.system"), "aws_sqs");
    assert_eq!(
        attribute(invocation, "messaging.batch.message_count"),
        Some(&OtelValue::I64(4))
    );
    assert_eq!(invocation.status, Status::Unset);
    // Linked to both valid upstream contexts; the malformed header and the missing one give none.
    let linked: Vec<String> = invocation
        .links
        .iter()
        .map(|l| l.span_context.span_id().to_string())
        .collect();
    assert_eq!(linked, ["1111111111111111", "2222222222222222"]);

    let handler = children(&spans, invocation);
    assert_eq!(handler.len(), 1);
    let handler = handler[0];
    assert_eq!(handler.name, "handler order_placed");
    assert_eq!(handler.span_kind, SpanKind::Internal);
    assert_eq!(text(handler, "cloud_events.route"), "aws.sqs");
    assert!(text(handler, "code.function.name").ends_with("order_placed"));

    let records = children(&spans, handler);
    assert_eq!(records.len(), 4);
    for (record, (id, upstream)) in records.iter().zip([
        ("m-1", Some("1111111111111111")),
        ("m-2", Some("2222222222222222")),
        ("m-3", None),
        ("m-4", None),
    ]) {
        assert_eq!(record.name, "orders process");
        assert_eq!(record.span_kind, SpanKind::Consumer);
        assert_eq!(text(record, "messaging.message.id"), id);
        assert_eq!(text(record, "messaging.system"), "aws_sqs");
        assert_eq!(
            attribute(record, "messaging.batch.message_count"),
            Some(&OtelValue::I64(4))
        );
        let links: Vec<String> = record
            .links
            .iter()
            .map(|l| l.span_context.span_id().to_string())
            .collect();
        assert_eq!(links, upstream.into_iter().collect::<Vec<_>>(), "links of {id}");
        let failed = id == "m-2";
        assert_eq!(
            attribute(record, "error.type").map(|v| v.as_str().into_owned()),
            failed.then(|| "HandlerFailed".to_owned())
        );
        assert_eq!(
            matches!(&record.status, Status::Error { description } if description.ends_with("failed: payment declined")),
            failed,
            "status of {id}: {:?}",
            record.status
        );
    }
}

#[tokio::test]
async fn each_trigger_family_gives_its_faas_trigger_and_span_kind() {
    let s3 = serde_json::from_str::<Value>(cloud_events_lambda::Kind::S3.sample()).unwrap();
    let api = serde_json::from_str::<Value>(cloud_events_lambda::Kind::ApiGateway.sample()).unwrap();
    let schedule = json!({"version": "0", "id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-12-03T10:00:00Z", "region": "eu-west-1", "resources": [], "detail": {}});
    let message = json!({"version": "0", "id": "e-2", "detail-type": "OrderPlaced", "source": "com.shop",
        "account": "123456789012", "time": "2026-12-03T10:00:00Z", "region": "eu-west-1", "resources": [], "detail": {}});
    let alexa = serde_json::from_str::<Value>(cloud_events_lambda::Kind::Alexa.sample()).unwrap();
    for (event, trigger, kind, handler) in [
        (s3, "datasource", SpanKind::Server, "handler uploaded"),
        (api, "http", SpanKind::Server, "handler api"),
        (schedule, "timer", SpanKind::Server, "handler scheduled"),
        (message, "pubsub", SpanKind::Consumer, "handler scheduled"),
        (alexa, "other", SpanKind::Server, "handler anything_else"),
    ] {
        let (answer, spans) = traced(&event, Some(lambda_header(true))).await;
        assert!(answer.is_ok(), "{trigger}: {answer:?}");
        let invocation = root(&spans);
        assert_eq!(invocation.name, "orders", "{trigger}");
        assert_eq!(text(invocation, "faas.trigger"), trigger);
        assert_eq!(invocation.span_kind, kind, "{trigger}");
        assert_eq!(invocation.parent_span_id.to_string(), LAMBDA_PARENT);
        assert_eq!(children(&spans, invocation)[0].name, handler);
    }
}

#[tokio::test]
async fn a_cloudevent_is_described_linked_to_its_traceparent_and_sends_its_handlers_context_on() {
    let event = json!({
        "specversion": "1.0", "id": "ce-42", "source": "/orders", "type": "com.example.order.created",
        "subject": "order/42", "data": {"total": 12},
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "shop=1"
    });
    let (answer, spans) = traced(&event, Some(lambda_header(true))).await;
    let invocation = root(&spans);
    assert_eq!(text(invocation, "cloudevents.event_id"), "ce-42");
    assert_eq!(text(invocation, "cloudevents.event_source"), "/orders");
    assert_eq!(
        text(invocation, "cloudevents.event_type"),
        "com.example.order.created"
    );
    assert_eq!(text(invocation, "cloudevents.event_subject"), "order/42");
    assert_eq!(text(invocation, "cloudevents.event_spec_version"), "1.0");
    assert_eq!(invocation.links.len(), 1);
    let link = &invocation.links[0].span_context;
    assert_eq!(link.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(link.trace_state().get("shop"), Some("1"));
    // The CloudEvent the handler built carries the handler's own span.
    let handler = named(&spans, "handler order_created");
    let sent = answer.unwrap();
    assert_eq!(
        sent["traceparent"],
        format!("00-{TRACE}-{}-01", handler.span_context.span_id())
    );
}

#[tokio::test]
async fn failures_and_panics_mark_the_handler_and_invocation_spans_with_their_error_type() {
    // Every record fails: the batch fails as a whole.
    let event = json!({"Records": [sqs_message("m-1", "panic", None), sqs_message("m-2", "fail", None)]});
    let (answer, spans) = traced(&event, Some(lambda_header(true))).await;
    assert_eq!(answer.unwrap_err(), "BatchFailed");
    let invocation = root(&spans);
    assert!(
        matches!(&invocation.status, Status::Error { description } if description.contains("all 2 records failed"))
    );
    assert_eq!(text(invocation, "error.type"), "BatchFailed");
    let panicked = spans
        .iter()
        .find(|s| attribute(s, "messaging.message.id").is_some_and(|v| v.as_str() == "m-1"))
        .unwrap();
    assert!(
        matches!(&panicked.status, Status::Error { description } if description.contains("panicked: ledger exploded")),
        "{:?}",
        panicked.status
    );
    assert_eq!(text(panicked, "error.type"), "HandlerPanicked");
}

#[tokio::test]
async fn a_handler_cut_at_the_deadline_ends_its_span_as_failed() {
    let exporter = InMemorySpanExporter::default();
    let traces = Traces::exporter(exporter.clone());
    let dispatcher = Dispatcher::new(
        Dependencies::new(),
        Options {
            deadline_margin: Duration::from_millis(50),
            ..Options::default()
        },
    )
    .unwrap()
    .with_traces(traces.clone());
    let event = json!({"version": "0", "id": "e-3", "detail-type": "Sleep", "source": "slow.app",
        "account": "1", "time": "2026-12-03T10:00:00Z", "region": "eu-west-1", "resources": [], "detail": {}});
    let mut context = context("req-slow", Some(lambda_header(true)));
    context.deadline_ms = (std::time::SystemTime::now() + Duration::from_millis(300))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let error = dispatcher
        .dispatch(&event.to_string(), context)
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "DeadlineExceeded");
    traces.flush().await;
    let spans = exporter.get_finished_spans().unwrap();
    let handler = named(&spans, "handler scheduled");
    assert_eq!(text(handler, "error.type"), "DeadlineExceeded");
    assert!(matches!(handler.status, Status::Error { .. }));
    assert_eq!(text(root(&spans), "error.type"), "DeadlineExceeded");
}

#[tokio::test]
async fn an_invocation_lambda_does_not_sample_records_no_span() {
    let event = json!({"Records": [sqs_message("m-1", "ok", Some(UPSTREAM_1))]});
    let (answer, spans) = traced(&event, Some(lambda_header(false))).await;
    assert!(answer.is_ok());
    assert!(spans.is_empty(), "{:#?}", names(&spans));
    // A header with Lambda's decision and no parent: the decision holds all the same.
    let no_parent = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0".to_owned();
    let (answer, spans) = traced(&event, Some(no_parent)).await;
    assert!(answer.is_ok());
    assert!(spans.is_empty(), "{:#?}", names(&spans));
    // Without any header, the sampler decides (always on by default): a new trace.
    let (_, spans) = traced(&event, None).await;
    assert_eq!(spans.len(), 3);
    assert!(!root(&spans).parent_span_id.to_string().starts_with(LAMBDA_PARENT));
}

#[tokio::test]
async fn concurrent_invocations_keep_their_own_parents_and_spans() {
    let exporter = InMemorySpanExporter::default();
    let traces = Traces::exporter(exporter.clone());
    let dispatcher = dispatcher(&traces);
    let header =
        |n: u8| format!("Root=1-6a1b2c3d-00000000000000000000000{n};Parent=000000000000000{n};Sampled=1");
    let event =
        json!({"Records": [sqs_message("m-1", "wait", None), sqs_message("m-2", "wait", None)]}).to_string();
    let runs = (1..=4u8).map(|n| dispatcher.dispatch(&event, context(&format!("req-{n}"), Some(header(n)))));
    let answers = futures_util::future::join_all(runs).await;
    assert!(answers.iter().all(Result::is_ok));
    traces.flush().await;
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 16);
    for n in 1..=4u8 {
        let trace = format!("6a1b2c3d00000000000000000000000{n}");
        let mine: Vec<SpanData> = spans
            .iter()
            .filter(|s| s.span_context.trace_id().to_string() == trace)
            .cloned()
            .collect();
        assert_eq!(mine.len(), 4, "trace {n}: {:#?}", names(&mine));
        let invocation = root(&mine);
        assert_eq!(text(invocation, "faas.invocation_id"), format!("req-{n}"));
        assert_eq!(
            invocation.parent_span_id.to_string(),
            format!("000000000000000{n}")
        );
        let handler = children(&mine, invocation);
        assert_eq!(children(&mine, handler[0]).len(), 2);
    }
}

/// An exporter that fails, or never answers.
#[derive(Debug)]
struct Broken {
    hangs: bool,
}

impl SpanExporter for Broken {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        if self.hangs {
            std::future::pending::<()>().await;
        }
        Err(OTelSdkError::InternalFailure("collector refused".to_owned()))
    }
}

#[tokio::test]
async fn an_exporter_that_fails_or_hangs_never_fails_an_invocation_and_takes_bounded_time() {
    let event = json!({"Records": [sqs_message("m-1", "ok", None)]}).to_string();
    for hangs in [false, true] {
        let traces = Traces::exporter(Broken { hangs }).export_timeout(Duration::from_millis(200));
        let dispatcher = dispatcher(&traces);
        for n in 0..3 {
            let answer = dispatcher
                .dispatch(&event, context(&format!("req-{n}"), None))
                .await;
            assert!(answer.is_ok());
            let started = Instant::now();
            traces.flush().await;
            assert!(started.elapsed() < Duration::from_secs(2), "hangs: {hangs}");
        }
    }
}

#[tokio::test]
async fn an_applications_own_provider_is_flushed_after_each_answer() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter.clone())
        .build();
    let traces = Traces::provider(provider);
    let event = json!({"Records": [sqs_message("m-1", "ok", None)]}).to_string();
    dispatcher(&traces)
        .dispatch(&event, context("req-1", Some(lambda_header(true))))
        .await
        .unwrap();
    traces.flush().await;
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(names(&spans).len(), 3, "{:#?}", names(&spans));
    assert_eq!(root(&spans).parent_span_id.to_string(), LAMBDA_PARENT);
}

#[tokio::test]
async fn an_apps_traces_are_the_global_ones_so_a_handlers_own_spans_are_its_children() {
    let exporter = InMemorySpanExporter::default();
    let dispatcher = cloud_events_lambda::App::new()
        .traces(Traces::exporter(exporter.clone()))
        .dispatcher()
        .unwrap();
    let sns = cloud_events_lambda::Kind::Sns.sample();
    dispatcher
        .dispatch(sns, context("req-1", Some(lambda_header(true))))
        .await
        .unwrap();
    dispatcher.traces().unwrap().flush().await;
    let spans = exporter.get_finished_spans().unwrap();
    let handler = named(&spans, "handler notified");
    let own = named(&spans, "send e-mail");
    assert_eq!(own.parent_span_id, handler.span_context.span_id());
    assert_eq!(own.span_context.trace_id().to_string(), TRACE);
    assert_eq!(own.instrumentation_scope.name(), "orders-app");
}

/// `bytes` as Lambda writes a Kafka header's value: an array of numbers.
fn kafka_bytes(text: &str) -> Value {
    json!(text.as_bytes())
}

#[tokio::test]
async fn kafka_record_spans_follow_the_batch_order_across_partitions_with_their_own_links() {
    let parent = |span: &str| format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{span}-01");
    let record = |partition: u32, offset: u64, span: &str| {
        json!({"topic": "orders", "partition": partition, "offset": offset, "timestamp": 1793697342318u64,
               "timestampType": "CREATE_TIME", "key": null, "value": "e30=",
               "headers": [{"traceparent": kafka_bytes(&parent(span))}]})
    };
    // Partition 1 is written first; handlers see partition 0's records first (key order).
    let event = json!({
        "eventSource": "aws:kafka",
        "eventSourceArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/1",
        "bootstrapServers": "b-1:9098",
        "records": {
            "orders-1": [record(1, 5, "1111111111111111")],
            "orders-0": [record(0, 9, "2222222222222222"), record(0, 10, "3333333333333333")]
        }
    });
    let (answer, spans) = traced(&event, Some(lambda_header(true))).await;
    assert!(answer.is_ok(), "{answer:?}");
    let invocation = root(&spans);
    assert_eq!(invocation.name, "orders process");
    assert_eq!(text(invocation, "messaging.system"), "kafka");
    let handler = children(&spans, invocation)[0];
    let records = children(&spans, handler);
    let seen: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                text(r, "messaging.message.id"),
                r.links[0].span_context.span_id().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("orders-0@9".to_owned(), "2222222222222222".to_owned()),
            ("orders-0@10".to_owned(), "3333333333333333".to_owned()),
            ("orders-1@5".to_owned(), "1111111111111111".to_owned()),
        ]
    );
}
