//! What a trace needs to know of an event, by its kind: the OpenTelemetry FaaS trigger, the
//! messaging system, and each record's source and upstream trace context (the SQS message's
//! `AWSTraceHeader`; a W3C `traceparent` in a Kafka record's headers or an SQS or SNS
//! message's attributes).
//!
//! Plain text only: parsing the contexts is the tracer's (`cloud-events-lambda`'s
//! `opentelemetry` feature). A record that carries none, or a malformed one, is read all
//! the same.

use crate::{Classification, Kind};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;

/// The OpenTelemetry `faas.trigger` of an invocation.
///
/// ```
/// use cloud_events_core::{Classification, Kind, classify};
/// use cloud_events_core::trace_context::FaasTrigger;
/// assert_eq!(FaasTrigger::of(&Classification::of_kind(Kind::Sqs)), FaasTrigger::PubSub);
/// assert_eq!(FaasTrigger::of(&Classification::of_kind(Kind::S3)), FaasTrigger::Datasource);
/// assert_eq!(FaasTrigger::of(&Classification::of_kind(Kind::Alb)).as_str(), "http");
/// // An EventBridge schedule is a timer; other EventBridge events are messages.
/// let scheduled = r#"{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events",
///     "account":"1","time":"2026-12-03T10:00:00Z","region":"eu-west-1","resources":[],"detail":{}}"#;
/// assert_eq!(FaasTrigger::of(&classify(scheduled.as_bytes()).unwrap()), FaasTrigger::Timer);
/// assert_eq!(FaasTrigger::of(&classify(Kind::EventBridge.sample().as_bytes()).unwrap()), FaasTrigger::PubSub);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaasTrigger {
    /// A database or storage change (S3, DynamoDB Streams, DocumentDB).
    Datasource,
    /// An HTTP request (API Gateway, ALB, function URLs, VPC Lattice).
    Http,
    /// A message (SQS, SNS, EventBridge, Kinesis, Kafka, MQ, Event Grid, Pub/Sub, CloudEvents).
    PubSub,
    /// A schedule (EventBridge `Scheduled Event`).
    Timer,
    /// Anything else.
    Other,
}

impl FaasTrigger {
    /// The trigger of a classified event.
    pub fn of(classification: &Classification) -> Self {
        let Some(kind) = classification.kind() else {
            return FaasTrigger::Other;
        };
        if kind == Kind::EventBridge && classification.event_type() == Some("Scheduled Event") {
            return FaasTrigger::Timer;
        }
        match kind {
            Kind::S3 | Kind::DynamoDb | Kind::DocumentDb => FaasTrigger::Datasource,
            Kind::ApiGateway
            | Kind::ApiGatewayV2
            | Kind::ApiGatewayWebsocket
            | Kind::Alb
            | Kind::LambdaUrl
            | Kind::VpcLattice => FaasTrigger::Http,
            Kind::Sqs
            | Kind::Sns
            | Kind::EventBridge
            | Kind::Kinesis
            | Kind::KinesisFirehose
            | Kind::Kafka
            | Kind::SelfManagedKafka
            | Kind::ActiveMq
            | Kind::RabbitMq
            | Kind::AzureEventGrid
            | Kind::GcpPubSub
            | Kind::CloudEvents => FaasTrigger::PubSub,
            _ => FaasTrigger::Other,
        }
    }

    /// The attribute's value: `datasource`, `http`, `pubsub`, `timer` or `other`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FaasTrigger::Datasource => "datasource",
            FaasTrigger::Http => "http",
            FaasTrigger::PubSub => "pubsub",
            FaasTrigger::Timer => "timer",
            FaasTrigger::Other => "other",
        }
    }
}

impl Kind {
    /// The OpenTelemetry `messaging.system` of this kind's messages, if it is a messaging
    /// system.
    ///
    /// ```
    /// use cloud_events_core::Kind;
    /// assert_eq!(Kind::Sqs.messaging_system(), Some("aws_sqs"));
    /// assert_eq!(Kind::Kafka.messaging_system(), Some("kafka"));
    /// assert_eq!(Kind::S3.messaging_system(), None);
    /// ```
    pub const fn messaging_system(self) -> Option<&'static str> {
        Some(match self {
            Kind::Sqs => "aws_sqs",
            Kind::Sns => "aws_sns",
            Kind::Kinesis => "aws_kinesis",
            Kind::KinesisFirehose => "aws_firehose",
            Kind::EventBridge => "aws_eventbridge",
            Kind::Kafka | Kind::SelfManagedKafka => "kafka",
            Kind::ActiveMq => "activemq",
            Kind::RabbitMq => "rabbitmq",
            Kind::AzureEventGrid => "eventgrid",
            Kind::GcpPubSub => "gcp_pubsub",
            _ => return None,
        })
    }
}

/// What one record of a batch says of where it comes from and of its upstream trace.
///
/// ```
/// use cloud_events_core::Kind;
/// use cloud_events_core::trace_context::record_traces;
/// let sqs = r#"{"Records":[
///   {"messageId":"m-1","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:1:orders",
///    "attributes":{"AWSTraceHeader":"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"}},
///   {"messageId":"m-2","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:1:orders","attributes":{}}]}"#;
/// let records = record_traces(Kind::Sqs, sqs).unwrap();
/// assert_eq!(records[0].source.as_deref(), Some("orders"));
/// assert!(records[0].xray.as_deref().unwrap().starts_with("Root=1-5759e988"));
/// assert_eq!(records[1].xray, None);
/// assert!(record_traces(Kind::EventBridge, Kind::EventBridge.sample()).is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordTrace {
    /// The queue, stream, table or topic the record comes from (the last part of its
    /// source ARN, or the Kafka topic).
    pub source: Option<String>,
    /// An X-Ray trace header (`Root=...;Parent=...;Sampled=...`): SQS's `AWSTraceHeader`.
    pub xray: Option<String>,
    /// A W3C `traceparent`: a Kafka record's header, an SQS or SNS message's attribute
    /// (where OpenTelemetry's instrumentations of their clients put it).
    pub traceparent: Option<String>,
    /// The W3C `tracestate` beside it.
    pub tracestate: Option<String>,
}

/// Each record's [`RecordTrace`], in the batch's record order, for kinds whose events are
/// batches of records; `None` for other kinds, or when the records cannot be read.
pub fn record_traces(kind: Kind, json: &str) -> Option<Vec<RecordTrace>> {
    // One pass over the event when every record reads (the usual case)...
    if let Some(layout) = crate::batch::layout_of(kind)
        && let Some(records) = crate::batch::decode_all::<RecordFields>(json, layout)
    {
        return Some(
            records
                .into_iter()
                .map(|fields| fields.into_trace(kind))
                .collect(),
        );
    }
    // ...else each record on its own, so that one that does not read keeps its place.
    let records = crate::batch::records_of(kind, json)?;
    let traces = records
        .iter()
        .map(|raw| match serde_json::from_str::<RecordFields>(raw.get()) {
            Ok(fields) => fields.into_trace(kind),
            // The record is the handler's to reject; its trace is simply unknown.
            Err(_) => RecordTrace::default(),
        })
        .collect();
    Some(traces)
}

/// The fields of a record that say where it comes from, across kinds.
#[derive(Deserialize)]
struct RecordFields {
    #[serde(rename = "eventSourceARN", alias = "eventSourceArn", default)]
    source_arn: Option<String>,
    #[serde(rename = "EventSubscriptionArn", default)]
    subscription_arn: Option<String>,
    #[serde(default)]
    attributes: Option<SqsAttributes>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    headers: Option<Vec<BTreeMap<String, KafkaHeader>>>,
    /// SQS message attributes: where OpenTelemetry's SQS instrumentations put `traceparent`.
    #[serde(rename = "messageAttributes", default)]
    message_attributes: Option<W3cAttributes<SqsValue>>,
    #[serde(rename = "Sns", default)]
    sns: Option<SnsMessage>,
}

/// The W3C trace context among a message's attributes (the others are skipped).
#[derive(Deserialize)]
struct W3cAttributes<V> {
    traceparent: Option<V>,
    tracestate: Option<V>,
}

/// An SQS message attribute's value.
#[derive(Deserialize)]
struct SqsValue {
    #[serde(rename = "stringValue", default)]
    value: Option<String>,
}

/// An SNS notification's message attributes, and one's value.
#[derive(Deserialize)]
struct SnsMessage {
    #[serde(rename = "MessageAttributes", default)]
    attributes: Option<W3cAttributes<SnsValue>>,
}

#[derive(Deserialize)]
struct SnsValue {
    #[serde(rename = "Value", default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct SqsAttributes {
    #[serde(rename = "AWSTraceHeader", default)]
    trace_header: Option<String>,
}

/// A Kafka header's value: an array of bytes as Lambda sends it (anything else is ignored).
#[derive(Deserialize)]
#[serde(untagged)]
enum KafkaHeader {
    Bytes(Vec<u8>),
    Other(IgnoredAny),
}

impl KafkaHeader {
    fn text(&self) -> Option<String> {
        match self {
            KafkaHeader::Bytes(bytes) => String::from_utf8(bytes.clone()).ok(),
            KafkaHeader::Other(_) => None,
        }
    }
}

impl RecordFields {
    fn into_trace(self, kind: Kind) -> RecordTrace {
        let arn = self.source_arn.or(self.subscription_arn);
        let source = match kind {
            Kind::Kafka | Kind::SelfManagedKafka => self.topic,
            _ => arn.as_deref().and_then(arn_resource).map(str::to_owned),
        };
        let header = |name: &str| {
            self.headers
                .iter()
                .flatten()
                .find_map(|header| header.get(name).and_then(KafkaHeader::text))
        };
        let (sqs, sns) = (self.message_attributes, self.sns.and_then(|sns| sns.attributes));
        let traceparent = header("traceparent")
            .or_else(|| sqs.as_ref()?.traceparent.as_ref()?.value.clone())
            .or_else(|| sns.as_ref()?.traceparent.as_ref()?.value.clone());
        let tracestate = header("tracestate")
            .or_else(|| sqs.as_ref()?.tracestate.as_ref()?.value.clone())
            .or_else(|| sns.as_ref()?.tracestate.as_ref()?.value.clone());
        RecordTrace {
            source,
            xray: self.attributes.and_then(|attributes| attributes.trace_header),
            traceparent,
            tracestate,
        }
    }
}

/// The resource named by an ARN: `orders` of `arn:aws:sqs:eu-west-1:1:orders`, a stream's or
/// table's name (`.../stream/clicks`, `.../table/Books/stream/2026-...`).
fn arn_resource(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let mut parts = resource.split('/');
    if !resource.contains('/') {
        // `name`, or `name:qualifier` (an SNS subscription's id, a function's alias).
        return resource.split(':').next().filter(|name| !name.is_empty());
    }
    let first = parts.next()?;
    match first {
        "stream" | "table" => parts.next(),
        _ => Some(first),
    }
    .filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_with_records_reads_one_trace_per_record() {
        for kind in Kind::ALL.iter().copied() {
            let Some(records) = crate::batch::records_of(kind, kind.sample()) else {
                continue;
            };
            let traces = record_traces(kind, kind.sample()).unwrap();
            assert_eq!(traces.len(), records.len(), "{kind:?}");
        }
    }

    #[test]
    fn sources_are_named_by_the_resource_of_their_arn() {
        assert_eq!(arn_resource("arn:aws:sqs:eu-west-1:123:orders"), Some("orders"));
        assert_eq!(
            arn_resource("arn:aws:kinesis:eu-west-1:123:stream/clicks"),
            Some("clicks")
        );
        assert_eq!(
            arn_resource("arn:aws:dynamodb:eu-west-1:123:table/Books/stream/2026-12-03T00:00:00.000"),
            Some("Books")
        );
        assert_eq!(
            arn_resource("arn:aws:sns:eu-west-1:123:alerts:5f1c"),
            Some("alerts")
        );
        assert_eq!(arn_resource("not an arn"), None);
        assert_eq!(arn_resource("arn:aws:kinesis:eu-west-1:123:stream/"), None);
    }

    #[test]
    fn kafka_headers_carry_w3c_contexts() {
        let traceparent: Vec<u8> = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_vec();
        let json = format!(
            r#"{{"eventSource":"aws:kafka","eventSourceArn":"arn:aws:kafka:eu-west-1:1:cluster/c/1","records":{{"t-0":[
                {{"topic":"t","partition":0,"offset":1,"headers":[{{"other":[104,105]}},{{"traceparent":{traceparent:?}}}]}},
                {{"topic":"t","partition":0,"offset":2,"headers":[{{"traceparent":"not bytes"}}]}}]}}}}"#
        );
        let traces = record_traces(Kind::Kafka, &json).unwrap();
        assert_eq!(traces[0].source.as_deref(), Some("t"));
        assert_eq!(
            traces[0].traceparent.as_deref(),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        );
        assert_eq!(traces[1].traceparent, None);
    }

    #[test]
    fn sqs_and_sns_message_attributes_carry_w3c_contexts() {
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let sqs = format!(
            r#"{{"Records":[{{"eventSource":"aws:sqs","messageAttributes":{{
                "team":{{"stringValue":"shop","dataType":"String"}},
                "traceparent":{{"stringValue":"{parent}","dataType":"String"}},
                "tracestate":{{"stringValue":"shop=1","dataType":"String"}}}}}},
              {{"eventSource":"aws:sqs","attributes":{{"AWSTraceHeader":"Root=x"}},"messageAttributes":{{}}}}]}}"#
        );
        let traces = record_traces(Kind::Sqs, &sqs).unwrap();
        assert_eq!(traces[0].traceparent.as_deref(), Some(parent));
        assert_eq!(traces[0].tracestate.as_deref(), Some("shop=1"));
        assert_eq!(
            (traces[1].traceparent.as_deref(), traces[1].xray.as_deref()),
            (None, Some("Root=x"))
        );
        let sns = format!(
            r#"{{"Records":[{{"EventSource":"aws:sns","EventSubscriptionArn":"arn:aws:sns:eu-west-1:1:alerts:5f1c",
                "Sns":{{"MessageAttributes":{{"traceparent":{{"Type":"String","Value":"{parent}"}}}}}}}}]}}"#
        );
        let traces = record_traces(Kind::Sns, &sns).unwrap();
        assert_eq!(traces[0].traceparent.as_deref(), Some(parent));
        assert_eq!(traces[0].source.as_deref(), Some("alerts"));
    }

    #[test]
    fn a_record_that_does_not_read_has_no_trace_and_keeps_its_place() {
        let json = r#"{"Records":[{"eventSource":"aws:sqs","attributes":7},
            {"eventSource":"aws:sqs","attributes":{"AWSTraceHeader":"Root=x"}}]}"#;
        let traces = record_traces(Kind::Sqs, json).unwrap();
        assert_eq!(traces[0], RecordTrace::default());
        assert_eq!(traces[1].xray.as_deref(), Some("Root=x"));
    }
}
