//! Adapters: any event as CloudEvents (one per record for batch kinds), with a stable,
//! documented mapping per kind.
//!
//! Where the CloudEvents project publishes an adapter (AWS S3 and SNS, in the spec's
//! `adapters/` folder), its mapping is followed: `type` is `com.amazonaws.<service>.<event>`,
//! S3's `id` is `x-amz-request-id.x-amz-id-2` and its `source` `eventSource.awsRegion.bucket`.
//! Other AWS kinds follow the same pattern; Google Cloud events follow Eventarc's names and
//! Event Grid events Azure's own CloudEvents schema mapping.
//!
//! ```
//! use cloud_events_core::{Kind, adapt::adapt, classify_str};
//! let json = Kind::Sqs.sample();
//! let events = adapt(json, &classify_str(json).unwrap()).unwrap();
//! assert_eq!(events.len(), 2); // one per message
//! assert_eq!(events[0].ty, "com.amazonaws.sqs.message");
//! assert_eq!(events[0].extensions["routekey"], "aws.sqs");
//! ```

use crate::batch::{Layout, raw_records};
use crate::cloudevent::{CloudEvent, SpecVersion};
use crate::condition::Path;
use crate::{Classification, Kind};
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;

/// One piece of an attribute's value.
///
/// ```
/// use cloud_events_core::Kind;
/// use cloud_events_core::adapt::{Piece, mapping};
/// let sqs = mapping(Kind::Sqs).unwrap();
/// assert!(matches!(sqs.id[0], [Piece::Path("messageId")]));
/// assert!(matches!(sqs.ty[0], [Piece::Text("com.amazonaws.sqs.message")]));
/// assert!(matches!(sqs.time[0], [Piece::Millis("attributes.SentTimestamp")]));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Piece {
    /// The string (or number) at a path of the record; `^` starts at the whole event.
    Path(&'static str),
    /// Literal text.
    Text(&'static str),
    /// Milliseconds since the epoch at a path, as RFC 3339.
    Millis(&'static str),
    /// Seconds (possibly fractional) since the epoch at a path, as RFC 3339.
    Seconds(&'static str),
}

/// How an attribute is made: the first alternative whose paths all resolve.
///
/// ```
/// use cloud_events_core::Kind;
/// use cloud_events_core::adapt::{Piece, Rule, mapping};
/// // S3's `id` is `x-amz-request-id.x-amz-id-2`, else `sequencer.key`.
/// let id: Rule = mapping(Kind::S3).unwrap().id;
/// assert_eq!(id.len(), 2);
/// assert!(matches!(id[1], [Piece::Path("s3.object.sequencer"), Piece::Text("."), Piece::Path("s3.object.key")]));
/// ```
pub type Rule = &'static [&'static [Piece]];

/// What becomes the CloudEvent's data.
///
/// ```
/// use cloud_events_core::Kind;
/// use cloud_events_core::adapt::{DataRule, mapping};
/// assert!(matches!(mapping(Kind::Kinesis).unwrap().data, DataRule::Base64("kinesis.data")));
/// assert!(matches!(mapping(Kind::EventBridge).unwrap().data, DataRule::At("detail")));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum DataRule {
    /// The record (or event) itself.
    Record,
    /// The JSON at a path.
    At(&'static str),
    /// A string at a path holding JSON (kept as a string if it is not JSON).
    JsonString(&'static str),
    /// Base64 at a path: the decoded bytes become `data_base64`.
    Base64(&'static str),
}

/// The mapping of one kind to CloudEvents.
///
/// ```
/// use cloud_events_core::{Kind, adapt::mapping};
/// let sqs = mapping(Kind::Sqs).unwrap();
/// assert_eq!(sqs.records, Some("Records")); // one CloudEvent per message
/// assert_eq!(mapping(Kind::EventBridge).unwrap().records, None); // one for the event
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Mapping {
    /// Where the records are, for batch kinds (one CloudEvent each).
    pub records: Option<&'static str>,
    /// `id`; a random UUID when no alternative resolves.
    pub id: Rule,
    /// `source`.
    pub source: Rule,
    /// `type`.
    pub ty: Rule,
    /// `time`.
    pub time: Rule,
    /// `subject`.
    pub subject: Rule,
    /// `data`.
    pub data: DataRule,
}

use Piece::{Millis, Path as P, Seconds, Text as T};

const NONE: Rule = &[];

/// The mapping of `kind` (`None` for `cloudevents`, which need none).
///
/// ```
/// use cloud_events_core::{Kind, adapt::mapping};
/// assert!(mapping(Kind::CloudEvents).is_none());
/// assert!(Kind::ALL.iter().filter(|kind| **kind != Kind::CloudEvents).all(|kind| mapping(*kind).is_some()));
/// ```
pub fn mapping(kind: Kind) -> Option<Mapping> {
    let generic = |ty: &'static [&'static [Piece]]| Mapping {
        records: None,
        id: &[&[P("requestContext.requestId")], &[P("id")]],
        source: &[],
        ty,
        time: NONE,
        subject: NONE,
        data: DataRule::Record,
    };
    Some(match kind {
        Kind::CloudEvents => return None,
        Kind::S3 => Mapping {
            records: Some("Records"),
            id: &[
                &[
                    P("responseElements.x-amz-request-id"),
                    T("."),
                    P("responseElements.x-amz-id-2"),
                ],
                &[P("s3.object.sequencer"), T("."), P("s3.object.key")],
            ],
            source: &[&[
                P("eventSource"),
                T("."),
                P("awsRegion"),
                T("."),
                P("s3.bucket.name"),
            ]],
            ty: &[&[T("com.amazonaws.s3."), P("eventName")]],
            time: &[&[P("eventTime")]],
            subject: &[&[P("s3.object.key")]],
            data: DataRule::Record,
        },
        Kind::Sqs => Mapping {
            records: Some("Records"),
            id: &[&[P("messageId")]],
            source: &[&[P("eventSourceARN")]],
            ty: &[&[T("com.amazonaws.sqs.message")]],
            time: &[&[Millis("attributes.SentTimestamp")]],
            subject: NONE,
            data: DataRule::JsonString("body"),
        },
        Kind::Sns => Mapping {
            records: Some("Records"),
            id: &[&[P("Sns.MessageId")]],
            source: &[&[P("Sns.TopicArn")]],
            ty: &[&[T("com.amazonaws.sns."), P("Sns.Type")]],
            time: &[&[P("Sns.Timestamp")]],
            subject: &[&[P("Sns.Subject")]],
            data: DataRule::JsonString("Sns.Message"),
        },
        Kind::DynamoDb => Mapping {
            records: Some("Records"),
            id: &[&[P("eventID")]],
            source: &[&[P("eventSourceARN")]],
            ty: &[&[T("com.amazonaws.dynamodb."), P("eventName")]],
            time: &[&[Seconds("dynamodb.ApproximateCreationDateTime")]],
            subject: NONE,
            data: DataRule::At("dynamodb"),
        },
        Kind::Kinesis => Mapping {
            records: Some("Records"),
            id: &[&[P("eventID")]],
            source: &[&[P("eventSourceARN")]],
            ty: &[&[T("com.amazonaws.kinesis.record")]],
            time: &[&[Seconds("kinesis.approximateArrivalTimestamp")]],
            subject: &[&[P("kinesis.partitionKey")]],
            data: DataRule::Base64("kinesis.data"),
        },
        Kind::KinesisFirehose => Mapping {
            records: Some("records"),
            id: &[&[P("recordId")]],
            source: &[&[P("^deliveryStreamArn")]],
            ty: &[&[T("com.amazonaws.firehose.record")]],
            time: &[&[Millis("approximateArrivalTimestamp")]],
            subject: NONE,
            data: DataRule::Base64("data"),
        },
        Kind::Kafka | Kind::SelfManagedKafka => Mapping {
            records: Some("records{}"),
            id: &[&[P("topic"), T("-"), P("partition"), T("@"), P("offset")]],
            source: &[&[P("^eventSourceArn")], &[T("kafka://"), P("^bootstrapServers")]],
            ty: &[&[T("com.amazonaws.kafka.record")]],
            time: &[&[Millis("timestamp")]],
            subject: &[&[P("topic")]],
            data: DataRule::Base64("value"),
        },
        Kind::ActiveMq => Mapping {
            records: Some("messages"),
            id: &[&[P("messageID")]],
            source: &[&[P("^eventSourceArn")]],
            ty: &[&[T("com.amazonaws.mq.message")]],
            time: &[&[Millis("timestamp")]],
            subject: &[&[P("destination.physicalName")]],
            data: DataRule::Base64("data"),
        },
        Kind::RabbitMq => Mapping {
            records: Some("rmqMessagesByQueue{}"),
            id: &[&[P("basicProperties.messageId")]],
            source: &[&[P("^eventSourceArn")]],
            ty: &[&[T("com.amazonaws.rmq.message")]],
            time: NONE,
            subject: NONE,
            data: DataRule::Base64("data"),
        },
        Kind::DocumentDb => Mapping {
            records: Some("events"),
            id: &[&[P("event._id._data")]],
            source: &[&[P("^eventSourceArn")]],
            ty: &[&[T("com.amazonaws.docdb."), P("event.operationType")]],
            time: NONE,
            subject: &[&[P("event.ns.db"), T("."), P("event.ns.coll")]],
            data: DataRule::At("event"),
        },
        Kind::Ses => Mapping {
            records: Some("Records"),
            id: &[&[P("ses.mail.messageId")]],
            source: &[&[P("eventSource")]],
            ty: &[&[T("com.amazonaws.ses.received")]],
            time: &[&[P("ses.mail.timestamp")]],
            subject: &[&[P("ses.mail.commonHeaders.subject")]],
            data: DataRule::At("ses"),
        },
        Kind::CodeCommit => Mapping {
            records: Some("Records"),
            id: &[&[P("eventId")]],
            source: &[&[P("eventSourceARN")]],
            ty: &[&[T("com.amazonaws.codecommit."), P("eventName")]],
            time: &[&[P("eventTime")]],
            subject: NONE,
            data: DataRule::At("codecommit"),
        },
        Kind::CloudFront => Mapping {
            records: Some("Records"),
            id: &[&[P("cf.config.requestId")]],
            source: &[
                &[P("cf.config.distributionDomainName")],
                &[P("cf.config.distributionId")],
            ],
            ty: &[&[T("com.amazonaws.cloudfront."), P("cf.config.eventType")]],
            time: NONE,
            subject: &[&[P("cf.request.uri")]],
            data: DataRule::At("cf"),
        },
        Kind::EventBridge => Mapping {
            records: None,
            id: &[&[P("id")]],
            source: &[&[P("source")]],
            ty: &[&[P("detail-type")]],
            time: &[&[P("time")]],
            subject: &[&[P("resources[0]")]],
            data: DataRule::At("detail"),
        },
        Kind::CloudWatchAlarm => Mapping {
            records: None,
            id: &[&[P("alarmArn"), T("."), P("time")]],
            source: &[&[P("alarmArn")]],
            ty: &[&[T("com.amazonaws.cloudwatch.alarm."), P("alarmData.state.value")]],
            time: &[&[P("time")]],
            subject: &[&[P("alarmData.alarmName")]],
            data: DataRule::At("alarmData"),
        },
        Kind::GcpPubSub => Mapping {
            records: None,
            id: &[&[P("message.messageId")]],
            source: &[&[T("//pubsub.googleapis.com/"), P("subscription")]],
            ty: &[&[T("google.cloud.pubsub.topic.v1.messagePublished")]],
            time: &[&[P("message.publishTime")]],
            subject: NONE,
            data: DataRule::Record,
        },
        Kind::GcpBackground => Mapping {
            records: None,
            id: &[&[P("context.eventId")]],
            source: &[&[P("context.resource.name")], &[P("context.resource")]],
            ty: &[&[P("context.eventType")]],
            time: &[&[P("context.timestamp")]],
            subject: NONE,
            data: DataRule::At("data"),
        },
        Kind::AzureEventGrid | Kind::AzureEventGridValidation => Mapping {
            records: Some("[]"),
            id: &[&[P("id")]],
            source: &[&[P("topic")]],
            ty: &[&[P("eventType")]],
            time: &[&[P("eventTime")]],
            subject: &[&[P("subject")]],
            data: DataRule::At("data"),
        },
        Kind::AzureFunctions => Mapping {
            records: None,
            id: &[&[P("Metadata.MessageId")], &[P("Metadata.sys.RandomGuid")]],
            source: &[&[T("azure.functions/"), P("Metadata.sys.MethodName")]],
            ty: &[&[T("com.microsoft.azure.functions.invocation")]],
            time: &[&[P("Metadata.sys.UtcNow")]],
            subject: NONE,
            data: DataRule::At("Data"),
        },
        Kind::WorkMail => Mapping {
            id: &[&[P("messageId")]],
            subject: &[&[P("subject")]],
            ..generic(&[])
        },
        Kind::IotEvents => Mapping {
            time: &[&[Millis("event.eventTime")]],
            ty: &[&[T("com.amazonaws.iotevents."), P("event.eventName")]],
            data: DataRule::At("event"),
            ..generic(&[])
        },
        _ => generic(&[]),
    })
}

/// Why an event could not be adapted.
///
/// ```
/// use cloud_events_core::adapt::{AdaptError, adapt};
/// use cloud_events_core::{Classification, Kind, classify};
/// assert_eq!(adapt("{}", &classify(b"{}").unwrap()), Err(AdaptError::Unclassified));
/// let bad_data = r#"{"Records":[{"eventSource":"aws:kinesis","kinesis":{"data":"%%%"}}]}"#;
/// let error = adapt(bad_data, &Classification::of_kind(Kind::Kinesis)).unwrap_err();
/// assert!(matches!(error, AdaptError::Malformed { kind: "aws.kinesis", .. }), "{error}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdaptError {
    /// The event is of no known kind.
    #[error("an unclassified event has no CloudEvents mapping")]
    Unclassified,
    /// The event is not the JSON its kind promises.
    #[error("cannot adapt {kind} event: {message}")]
    Malformed {
        /// The route key.
        kind: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The event as CloudEvents: one per record for batch kinds, the event itself for
/// `cloudevents`.
///
/// ```
/// use cloud_events_core::{adapt::adapt, classify};
/// let json = r#"{"Records":[{"messageId":"m1","eventSourceARN":"arn:aws:sqs:eu-west-1:1:q","body":"{\"n\":1}","eventSource":"aws:sqs"}]}"#;
/// let events = adapt(json, &classify(json.as_bytes()).unwrap()).unwrap();
/// assert_eq!(events[0].id, "m1");
/// assert_eq!(events[0].ty, "com.amazonaws.sqs.message");
/// assert_eq!(events[0].data.as_ref().unwrap()["n"], 1);
/// ```
pub fn adapt(json: &str, classification: &Classification) -> Result<Vec<CloudEvent>, AdaptError> {
    let kind = classification.kind().ok_or(AdaptError::Unclassified)?;
    let malformed = |message: String| AdaptError::Malformed {
        kind: kind.key(),
        message,
    };
    let Some(mapping) = mapping(kind) else {
        return CloudEvent::from_json(json.as_bytes())
            .map(|e| vec![e])
            .map_err(|e| malformed(e.to_string()));
    };
    let top: Value = serde_json::from_str(json).map_err(|e| malformed(e.to_string()))?;
    let records: Vec<Value> = match mapping.records {
        None => vec![top.clone()],
        Some("[]") => match &top {
            Value::Array(items) => items.clone(),
            single => vec![single.clone()],
        },
        Some(key) => {
            let layout = match key.strip_suffix("{}") {
                Some(key) => Layout::ArrayPerKey(key),
                None => Layout::Array(key),
            };
            let raw = raw_records(json, layout).map_err(|e| malformed(e.message))?;
            raw.into_iter()
                .map(|raw| serde_json::from_str(raw.get()).unwrap_or(Value::Null))
                .collect()
        }
    };
    records
        .iter()
        .map(|record| one(kind, &mapping, record, &top))
        .collect()
}

fn one(kind: Kind, mapping: &Mapping, record: &Value, top: &Value) -> Result<CloudEvent, AdaptError> {
    let render = |rule: Rule| {
        rule.iter()
            .find_map(|alternative| render(alternative, record, top))
    };
    let source = render(mapping.source)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| kind.key().to_owned());
    // `source` must be a URI-reference: escape what real events sometimes hold (spaces...).
    let source = crate::cloudevent::rules::escape_uri_reference(&source);
    let ty = render(mapping.ty)
        .unwrap_or_else(|| format!("com.amazonaws.{}", kind.key().trim_start_matches("aws.")));
    let id = render(mapping.id)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(crate::cloudevent::generated_id);
    let mut event = CloudEvent {
        specversion: SpecVersion::V10,
        id,
        source,
        ty,
        datacontenttype: Some("application/json".to_owned()),
        dataschema: None,
        subject: render(mapping.subject).filter(|s| !s.is_empty()),
        time: render(mapping.time).and_then(|time| crate::cloudevent::normalize_time(&time)),
        extensions: BTreeMap::from([("routekey".to_owned(), Value::String(kind.key().to_owned()))]),
        data: None,
        data_base64: None,
    };
    match mapping.data {
        DataRule::Record => event.data = Some(record.clone()),
        DataRule::At(path) => event.data = resolve(path, record, top),
        DataRule::JsonString(path) => {
            event.data = resolve(path, record, top).map(|value| match value {
                Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                other => other,
            })
        }
        DataRule::Base64(path) => {
            let text = resolve(path, record, top)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            event.data_base64 = Some(
                base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|e| AdaptError::Malformed {
                        kind: kind.key(),
                        message: format!("`{path}` is not base64: {e}"),
                    })?,
            );
            event.datacontenttype = Some("application/octet-stream".to_owned());
        }
    }
    Ok(event)
}

fn resolve(path: &str, record: &Value, top: &Value) -> Option<Value> {
    let (root, path) = match path.strip_prefix('^') {
        Some(path) => (top, path),
        None => (record, path),
    };
    Path::parse(path).ok()?.resolve(root).map(|v| v.into_owned())
}

fn render(pieces: &[Piece], record: &Value, top: &Value) -> Option<String> {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Path(path) => match resolve(path, record, top)? {
                Value::String(text) => out.push_str(&text),
                Value::Number(n) => out.push_str(&n.to_string()),
                _ => return None,
            },
            Piece::Millis(path) => {
                let millis = number(resolve(path, record, top)?)?;
                out.push_str(&epoch(millis / 1000.0)?);
            }
            Piece::Seconds(path) => out.push_str(&epoch(number(resolve(path, record, top)?)?)?),
        }
    }
    Some(out)
}

fn number(value: Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

fn epoch(seconds: f64) -> Option<String> {
    if !(0.0..1e11).contains(&seconds) {
        return None;
    }
    let whole = seconds.trunc() as u64;
    let millis = ((seconds.fract() * 1000.0).round() as u32).min(999);
    Some(crate::cloudevent::rfc3339(whole, millis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify;

    fn adapted(json: &str) -> Vec<CloudEvent> {
        adapt(json, &classify(json.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn s3_follows_the_cloudevents_adapter() {
        let events = adapted(
            r#"{"Records":[{"eventSource":"aws:s3","awsRegion":"eu-west-1","eventTime":"2026-11-02T10:00:00.000Z","eventName":"ObjectCreated:Put",
              "responseElements":{"x-amz-request-id":"R1","x-amz-id-2":"I2"},"s3":{"bucket":{"name":"b"},"object":{"key":"k.pdf"}}}]}"#,
        );
        let e = &events[0];
        assert_eq!(
            (e.id.as_str(), e.source.as_str(), e.ty.as_str()),
            (
                "R1.I2",
                "aws:s3.eu-west-1.b",
                "com.amazonaws.s3.ObjectCreated:Put"
            )
        );
        assert_eq!(
            (e.subject.as_deref(), e.time.as_deref()),
            (Some("k.pdf"), Some("2026-11-02T10:00:00.000Z"))
        );
        assert_eq!(e.extensions["routekey"], "aws.s3");
    }

    #[test]
    fn one_cloudevent_per_record_with_times_from_epochs() {
        let events = adapted(
            r#"{"Records":[{"messageId":"a","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:r:1:q","body":"plain","attributes":{"SentTimestamp":"1793613600123"}},
                           {"messageId":"b","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:r:1:q","body":"{\"n\":2}","attributes":{}}]}"#,
        );
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].time.as_deref(), Some("2026-11-02T10:00:00.123Z"));
        assert_eq!(events[0].data, Some(Value::String("plain".into())));
        assert_eq!(events[1].data.as_ref().unwrap()["n"], 2);
        assert_eq!(events[1].time, None);
    }

    #[test]
    fn eventbridge_keeps_its_own_attributes_and_kinesis_data_is_bytes() {
        let e = &adapted(
            r#"{"id":"e1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","time":"2026-11-02T10:00:00Z","resources":["arn:i"],"detail":{"state":"running"}}"#,
        )[0];
        assert_eq!(
            (e.id.as_str(), e.source.as_str(), e.ty.as_str()),
            ("e1", "aws.ec2", "EC2 Instance State-change Notification")
        );
        assert_eq!(e.subject.as_deref(), Some("arn:i"));
        let k = &adapted(
            r#"{"Records":[{"eventSource":"aws:kinesis","eventID":"s:1","eventSourceARN":"arn:k","kinesis":{"partitionKey":"p","data":"aGk=","approximateArrivalTimestamp":1793613600.5}}]}"#,
        )[0];
        assert_eq!(k.data_base64.as_deref(), Some(&b"hi"[..]));
        assert_eq!(k.time.as_deref(), Some("2026-11-02T10:00:00.500Z"));
    }

    #[test]
    fn every_other_kind_gets_an_id_source_and_type() {
        let e = &adapted(r#"{"httpMethod":"GET","requestContext":{"requestId":"r-1"},"path":"/"}"#)[0];
        assert_eq!(
            (e.id.as_str(), e.source.as_str(), e.ty.as_str()),
            ("r-1", "aws.apigateway", "com.amazonaws.apigateway")
        );
        let e = &adapted(r#"{"serialNumber":"G1","clickType":"SINGLE"}"#)[0];
        assert_eq!(e.id.len(), 36, "generated");
        assert_eq!(
            adapt("{}", &classify(b"{}").unwrap()),
            Err(AdaptError::Unclassified)
        );
    }
}
