//! The classifier: which kind an event is, read from its marker fields.

use crate::RawEvent;
use crate::check::ClassifyError;
use crate::check::check_json;
use crate::cloudevent::{ReadCloudEvent, read_structured};
use crate::kinds::Kind;
use crate::markers::Probe;
use crate::probe::probe;
use serde_json::value::RawValue;

/// What the classifier found: the kind (if any) and the dynamic parts of the route.
///
/// ```
/// use cloud_events_core::{classify, Kind};
/// let classification = classify(Kind::EventBridge.sample().as_bytes()).unwrap();
/// assert_eq!(classification.route_key(), "aws.events");
/// assert_eq!(classification.source(), Some("com.acme.orders"));
/// assert_eq!(classification.event_type(), Some("OrderPlaced"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    kind: Option<Kind>,
    source: Option<String>,
    event_type: Option<String>,
    subject: Option<String>,
}

/// The route key reported for JSON that is no known kind.
///
/// ```
/// use cloud_events_core::{UNCLASSIFIED, classify};
/// let classification = classify(br#"{"hello":"world"}"#).unwrap();
/// assert_eq!(classification.kind(), None);
/// assert_eq!(classification.route_key(), UNCLASSIFIED);
/// ```
pub const UNCLASSIFIED: &str = "unclassified";

impl Classification {
    /// A classification of the given kind with no dynamic parts.
    ///
    /// ```
    /// use cloud_events_core::{Classification, Kind};
    /// let classification = Classification::of_kind(Kind::S3);
    /// assert_eq!(classification.route_key(), "aws.s3");
    /// assert_eq!(classification.source(), None);
    /// ```
    pub fn of_kind(kind: Kind) -> Self {
        Classification {
            kind: Some(kind),
            ..Self::default()
        }
    }

    /// The kind, or `None` for JSON that is no known kind.
    ///
    /// ```
    /// use cloud_events_core::{classify, Kind};
    /// assert_eq!(classify(Kind::Sns.sample().as_bytes()).unwrap().kind(), Some(Kind::Sns));
    /// assert_eq!(classify(b"[1, 2, 3]").unwrap().kind(), None);
    /// ```
    pub fn kind(&self) -> Option<Kind> {
        self.kind
    }

    /// The route key: the kind's key, or `"unclassified"`.
    ///
    /// ```
    /// use cloud_events_core::{Classification, classify, Kind};
    /// assert_eq!(classify(Kind::Kinesis.sample().as_bytes()).unwrap().route_key(), "aws.kinesis");
    /// assert_eq!(Classification::default().route_key(), "unclassified");
    /// ```
    pub fn route_key(&self) -> &'static str {
        self.kind.map_or(UNCLASSIFIED, Kind::key)
    }

    /// The producer: EventBridge `source` or CloudEvent `source`.
    ///
    /// ```
    /// use cloud_events_core::{classify, Kind};
    /// let cloudevent = classify(Kind::CloudEvents.sample().as_bytes()).unwrap();
    /// assert_eq!(cloudevent.source(), Some("/orders"));
    /// assert_eq!(classify(Kind::S3.sample().as_bytes()).unwrap().source(), None);
    /// ```
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// What happened: EventBridge `detail-type`, CloudEvent `type` or IoT Events `eventName`.
    ///
    /// ```
    /// use cloud_events_core::{classify, Kind};
    /// let cloudevent = classify(Kind::CloudEvents.sample().as_bytes()).unwrap();
    /// assert_eq!(cloudevent.event_type(), Some("com.example.order.created"));
    /// let iot = classify(Kind::IotEvents.sample().as_bytes()).unwrap();
    /// assert_eq!(iot.event_type(), Some("myChargedEvent"));
    /// ```
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// The CloudEvent `subject`.
    ///
    /// ```
    /// use cloud_events_core::{classify, Kind};
    /// let cloudevent = classify(Kind::CloudEvents.sample().as_bytes()).unwrap();
    /// assert_eq!(cloudevent.subject(), Some("ord-5521"));
    /// ```
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The route as the Python cloud-events-handler names it: `/` followed by the CloudEvent
    /// `type` or the IoT Events `eventName` where there is one, else by the EventBridge
    /// `source`, else by the route key (`/aws.s3`, `/com.my.event`, `/myChargedEvent`).
    ///
    /// ```
    /// use cloud_events_core::{classify, Kind};
    /// let path = |kind: Kind| classify(kind.sample().as_bytes()).unwrap().path();
    /// assert_eq!(path(Kind::S3), "/aws.s3");
    /// assert_eq!(path(Kind::CloudEvents), "/com.example.order.created");
    /// assert_eq!(path(Kind::IotEvents), "/myChargedEvent");
    /// assert_eq!(path(Kind::EventBridge), "/com.acme.orders");
    /// ```
    pub fn path(&self) -> String {
        let name = match self.kind {
            Some(Kind::CloudEvents | Kind::IotEvents) => self.event_type.as_deref(),
            Some(Kind::EventBridge) => self.source.as_deref(),
            _ => None,
        };
        format!("/{}", name.unwrap_or(self.route_key()))
    }
}

/// Classifies one event from its bytes.
///
/// ```
/// use cloud_events_core::{classify, Kind};
/// let c = classify(br#"{"Records":[{"eventSource":"aws:sqs","body":"hi"}]}"#).unwrap();
/// assert_eq!(c.kind(), Some(Kind::Sqs));
/// assert_eq!(classify(br#"{"hello":"world"}"#).unwrap().route_key(), "unclassified");
/// ```
pub fn classify(bytes: &[u8]) -> Result<Classification, ClassifyError> {
    let json = std::str::from_utf8(bytes).map_err(|e| ClassifyError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    classify_str(json)
}

/// Classifies one event from its JSON text, checking first that all of it is JSON.
///
/// The first *decisive* marker in document order decides the kind: `specversion`, the first
/// record of `Records` naming its source (or carrying `cf`), or a complete EventBridge
/// envelope (`source`, `detail-type`, `detail`). Without one, the kinds table's rules are
/// tried in order on all the markers read.
///
/// ```
/// use cloud_events_core::{Kind, classify_str};
/// assert_eq!(classify_str(Kind::Sqs.sample()).unwrap().kind(), Some(Kind::Sqs));
/// // A byte order mark is skipped; text after the JSON value is an error.
/// assert_eq!(classify_str("\u{feff}{\"awslogs\":{\"data\":\"\"}}").unwrap().kind(), Some(Kind::CloudWatchLogs));
/// assert!(classify_str("{} {}").is_err());
/// ```
pub fn classify_str(json: &str) -> Result<Classification, ClassifyError> {
    let json = without_bom(json);
    check_json(json)?;
    classify_markers(json)
}

/// Classifies text that is known to be one JSON value (as a `RawValue` is): the same as
/// [`classify_markers`], whose reading stops at the first decisive marker.
///
/// ```
/// use cloud_events_core::{classify_json, Kind};
/// use serde_json::value::RawValue;
/// let json = RawValue::from_string(r#"{"Records":[{"eventSource":"aws:s3"}]}"#.into()).unwrap();
/// assert_eq!(classify_json(&json).unwrap().kind(), Some(Kind::S3));
/// ```
pub fn classify_json(json: &RawValue) -> Result<Classification, ClassifyError> {
    classify_markers(json.get())
}

/// Classifies JSON text from its marker fields alone, without checking the rest of it: reading
/// stops at the first decisive marker (see [`classify_str`]), so that a batch's other records
/// and an EventBridge `detail` are not read at all, and a 6 MB SQS body is skipped with one
/// scan for its closing quote. This is the dispatcher's path: the typed decoder then reads the
/// whole event once, and the dispatcher checks the text wherever no decoder did.
///
/// For JSON it answers as [`classify_str`] does. Where the text it reads is not JSON, the error
/// is the one [`classify_str`] gives; text after the decisive marker is not looked at.
///
/// ```
/// use cloud_events_core::{ClassifyError, Kind, classify_markers, classify_str};
/// let s3 = Kind::S3.sample();
/// assert_eq!(classify_markers(s3).unwrap(), classify_str(s3).unwrap());
/// // Broken after the decisive marker: not read here (the typed decoder will say so).
/// let broken = r#"{"Records":[{"eventSource":"aws:sqs"},{"x":}]}"#;
/// assert_eq!(classify_markers(broken).unwrap().kind(), Some(Kind::Sqs));
/// assert!(classify_str(broken).is_err());
/// // Broken before it: the same error as the checked path.
/// let early = r#"{"Records":[{"eventSource" "aws:sqs"}]}"#;
/// assert!(matches!(classify_markers(early), Err(ClassifyError::InvalidJson { column: 28, .. })));
/// assert_eq!(classify_markers(early), classify_str(early));
/// ```
pub fn classify_markers(json: &str) -> Result<Classification, ClassifyError> {
    classify_read(without_bom(json)).map(|(classification, _)| classification)
}

/// [`classify_markers`] for an event, keeping what the classifier read of it for the
/// event's decoders: a CloudEvent's attributes are read and checked once, here, and
/// [`CloudEvent::from_event`](crate::CloudEvent::from_event) then decodes only its `data`.
/// This is the dispatcher's classifier.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, classify_event, classify_markers};
/// let event = RawEvent::new(Kind::CloudEvents.sample());
/// assert_eq!(classify_event(&event).unwrap(), classify_markers(event.json()).unwrap());
/// ```
pub fn classify_event(event: &RawEvent) -> Result<Classification, ClassifyError> {
    // The event's text is the JSON value as it stands (`RawEvent::from_bytes` has dropped a
    // leading byte order mark): what the JSON checker and the decoders read, so that an error
    // is the checker's.
    let (classification, cloudevent) = classify_read(event.json())?;
    if let Some(read) = cloudevent {
        event.keep_cloudevent(read);
    }
    Ok(classification)
}

/// Classifies from the markers, and returns a CloudEvent's attributes as read.
fn classify_read(json: &str) -> Result<(Classification, Option<ReadCloudEvent>), ClassifyError> {
    let probe = match probe(json) {
        Ok(probe) => probe,
        // Not JSON where the reader looked: the checker says exactly where and why.
        Err(offset) => return Err(check_json(json).err().unwrap_or_else(|| unreadable(json, offset))),
    };
    // A CloudEvent's attributes are read whole; if that fails because the text is not JSON,
    // say so.
    conclude(json, probe).map_err(|error| check_json(json).err().unwrap_or(error))
}

/// A UTF-8 byte order mark is not JSON; producers that add one mean the text after it.
fn without_bom(json: &str) -> &str {
    json.strip_prefix('\u{feff}').unwrap_or(json)
}

/// The marker reader stopped on JSON the checker accepts: a defect of the reader (the
/// `classify` fuzz target looks for one), reported where it happened rather than hidden.
fn unreadable(json: &str, offset: usize) -> ClassifyError {
    let before = &json.as_bytes()[..offset.min(json.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1) + 1;
    ClassifyError::InvalidJson {
        line,
        column,
        message: "the marker reader could not read this JSON".to_owned(),
    }
}

/// The kind and the dynamic route parts from what the marker reader found.
fn conclude(json: &str, probe: Probe<'_>) -> Result<(Classification, Option<ReadCloudEvent>), ClassifyError> {
    let kind = probe.decided.or_else(|| {
        Kind::ALL
            .iter()
            .copied()
            .find(|kind| (!probe.in_array || kind.accepts_arrays()) && kind.detect(&probe))
    });
    let mut classification = Classification {
        kind,
        ..Classification::default()
    };
    match kind {
        Some(Kind::CloudEvents) => {
            let read = read_structured(json.as_bytes())?;
            classification.source = Some(read.source.clone());
            classification.event_type = Some(read.ty.clone());
            classification.subject = read.subject.clone();
            return Ok((classification, Some(read)));
        }
        Some(Kind::EventBridge) => {
            classification.source = probe.source.map(Into::into);
            classification.event_type = probe.detail_type.map(Into::into);
        }
        Some(Kind::IotEvents) => classification.event_type = probe.iot_event_name.map(Into::into),
        Some(Kind::AzureEventGrid | Kind::AzureEventGridValidation) => {
            classification.event_type = probe.event_type.map(Into::into)
        }
        Some(Kind::GcpBackground) => classification.event_type = probe.gcp_context.event_type.map(Into::into),
        _ => {}
    }
    Ok((classification, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(json: &str) -> &'static str {
        classify(json.as_bytes()).unwrap().route_key()
    }

    #[test]
    fn record_sources_name_their_kind() {
        assert_eq!(key(r#"{"Records":[{"eventSource":"aws:s3"}]}"#), "aws.s3");
        assert_eq!(key(r#"{"Records":[{"EventSource":"aws:sns"}]}"#), "aws.sns");
        assert_eq!(
            key(r#"{"Records":[{"eventSource":"aws:dynamodb"},{"x":1}]}"#),
            "aws.dynamodb"
        );
        assert_eq!(key(r#"{"Records":[{"cf":{"config":{}}}]}"#), "aws.cloudfront");
    }

    fn key_of_valid(json: &str) -> &'static str {
        let raw = serde_json::value::RawValue::from_string(json.to_owned()).unwrap();
        classify_json(&raw).unwrap().route_key()
    }

    #[test]
    fn the_first_decisive_marker_in_document_order_decides() {
        let cases = [
            // A record source read before `specversion` decides, and the other way round.
            (
                r#"{"Records":[{"eventSource":"aws:s3"}],"specversion":"1.0"}"#,
                "aws.s3",
            ),
            // A complete EventBridge envelope decides before a later `Records`.
            (
                r#"{"source":"a","detail-type":"b","detail":{},"Records":[{"eventSource":"aws:sqs"}]}"#,
                "aws.events",
            ),
            (
                r#"{"detail":{},"source":"a","detail-type":"b","alarmData":{}}"#,
                "aws.events",
            ),
            // A first record with `cf` decides once it is complete.
            (
                r#"{"Records":[{"cf":{}},{"eventSource":"aws:s3"}]}"#,
                "aws.cloudfront",
            ),
            // An unknown record source decides nothing; the table's rules still apply.
            (
                r#"{"Records":[{"eventSource":"custom"}],"deliveryStreamArn":"x","records":[]}"#,
                "aws.kinesis.firehose",
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(key(json), expected, "{json}");
            assert_eq!(key_of_valid(json), expected, "stopping early: {json}");
        }
        // `specversion` first decides CloudEvents, whose rules then refuse `Records`.
        let late_records = r#"{"specversion":"1.0","id":"1","source":"/s","type":"t","Records":[]}"#;
        let error = classify(late_records.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("Records"), "{error}");
    }

    /// Found by the `classify` fuzz target: a number beyond f64 is JSON to `RawValue` (which
    /// does not read numbers) but once was not to the classifier, which read numbers. The
    /// marker reader reads no number now: JSON's grammar sets no range, so both paths classify
    /// it (a handler that decodes it into an `f64` gets `EventDecodeFailed`).
    /// Found by the `dispatch` fuzz target: a byte order mark after whitespace is no byte
    /// order mark, and the event classifier once skipped it where the checker did not, so
    /// that the two gave different errors for the same payload.
    #[test]
    fn a_byte_order_mark_inside_the_text_is_not_skipped_by_the_event_classifier() {
        let event = RawEvent::from_bytes(b"\n\xef\xbb\xbf\n\n".to_vec().into()).unwrap();
        assert!(event.check().is_err());
        // The marker reader checks nothing it skips: it classifies, or gives the checker's error.
        if let Err(error) = classify_event(&event) {
            assert_eq!(Err(error), event.check());
        }
    }

    #[test]
    fn a_number_beyond_f64_is_json_on_both_paths() {
        for json in [
            "\r\r 3333333333e343331",
            r#"{"size":1e999999,"Records":[{"eventSource":"aws:s3"}]}"#,
        ] {
            let checked = classify(json.as_bytes()).unwrap();
            let raw = serde_json::value::RawValue::from_string(json.to_owned()).unwrap();
            assert_eq!(classify_json(&raw).unwrap(), checked, "{json}");
            assert_eq!(classify_markers(json).unwrap(), checked, "{json}");
        }
        assert_eq!(
            key(r#"{"size":1e999999,"Records":[{"eventSource":"aws:s3"}]}"#),
            "aws.s3"
        );
    }

    /// Keys and values whose escapes are no Unicode text (a lone surrogate) name no marker:
    /// the key is not one, and a marker value so written is absent.
    #[test]
    fn a_string_with_a_lone_surrogate_names_no_marker() {
        assert_eq!(
            key(r#"{"Records":[{"eventSource":"aws:s3\ud800"}]}"#),
            UNCLASSIFIED
        );
        assert_eq!(
            key(r#"{"\ud800":1,"Records":[{"eventSource":"aws:s3"}]}"#),
            "aws.s3"
        );
        // Escapes that are text are read as text, in keys and values alike.
        assert_eq!(
            key(r#"{"Records":[{"event\u0053ource":"aws\u003as3"}]}"#),
            "aws.s3"
        );
    }

    #[test]
    fn nesting_of_any_depth_is_skipped_without_recursion() {
        let deep = format!(
            r#"{{"x":{}{},"Records":[{{"eventSource":"aws:sns"}}]}}"#,
            "[".repeat(200_000),
            "]".repeat(200_000)
        );
        assert_eq!(key(&deep), "aws.sns");
        assert_eq!(classify_markers(&deep).unwrap().route_key(), "aws.sns");
    }

    #[test]
    fn strings_with_escaped_quotes_and_brackets_are_skipped_whole() {
        let json = r#"{"x":"a \"}]{[ \\","Records":[{"body":"\\\"","eventSource":"aws:sqs"}]}"#;
        assert_eq!(key(json), "aws.sqs");
        assert_eq!(classify_markers(json).unwrap().route_key(), "aws.sqs");
    }

    /// The marker reader reads only up to the decisive marker; the checked path reads all.
    #[test]
    fn text_after_the_decisive_marker_is_not_read_by_the_marker_reader() {
        let truncated = r#"{"Records":[{"eventSource":"aws:s3","s3":{"bucket":"#;
        assert_eq!(classify_markers(truncated).unwrap().route_key(), "aws.s3");
        assert!(matches!(
            classify_str(truncated),
            Err(ClassifyError::InvalidJson { .. })
        ));
        // Before any decision, a break is reported as the checker reports it.
        for broken in [
            r#"{"Records":[{"eventSource":"#,
            r#"{"a":tru"#,
            "",
            "   ",
            r#"{"a" 1}"#,
            "{,}",
        ] {
            assert_eq!(classify_markers(broken), classify_str(broken), "{broken:?}");
            assert!(
                matches!(classify_markers(broken), Err(ClassifyError::InvalidJson { .. })),
                "{broken:?}"
            );
        }
    }

    /// Found by the `classify` fuzz target: a lone surrogate escape is JSON to `RawValue` but
    /// no string to serde; the checked path once refused it as JSON while the Lambda path,
    /// stopping at `specversion`, refused it as a CloudEvent. Both now check the same way.
    #[test]
    fn a_lone_surrogate_after_the_decisive_marker_gets_the_same_answer_on_both_paths() {
        let json = r#"{"specversion":"9.9","id":"1","source":"/s","type":"t","\ud886":1}"#;
        let raw = serde_json::value::RawValue::from_string(json.to_owned()).unwrap();
        assert_eq!(classify(json.as_bytes()), classify_json(&raw));
        assert!(matches!(
            classify_json(&raw),
            Err(ClassifyError::InvalidCloudEvent(_))
        ));
    }

    #[test]
    fn stopping_early_skips_the_rest_but_checking_reads_it_all() {
        // Broken after the decisive marker: `classify` reads everything and says where.
        let broken = r#"{"Records":[{"eventSource":"aws:sqs"},{"x":}]}"#;
        let error = classify(broken.as_bytes()).unwrap_err();
        assert!(
            matches!(
                error,
                ClassifyError::InvalidJson {
                    line: 1,
                    column: 44,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn near_misses_are_unclassified() {
        for json in [
            r#"{"Records":[{"eventSource":"custom:thing"}]}"#,
            r#"{"Records":[]}"#,
            r#"{"Records":[1,2]}"#,
            r#"{"Records":"aws:s3"}"#,
            r#"{"source":"my.app","detail":{}}"#,
            r#"{"source":"my.app","detail-type":"x"}"#,
            r#"{"eventSource":"aws:dynamodb","dynamodb":{}}"#,
            r#"{"records":[]}"#,
            r#"{"awslogs":{}}"#,
            r#"{"httpMethod":"GET"}"#,
            r#"[1,2,3]"#,
            r#""text""#,
            r#"{}"#,
            r#"[{"Records":[{"eventSource":"aws:s3"}]}]"#,
        ] {
            assert_eq!(key(json), UNCLASSIFIED, "{json}");
        }
    }

    #[test]
    fn markers_of_the_wrong_json_type_are_absent_not_errors() {
        assert_eq!(key(r#"{"Records":[{"eventSource":5}]}"#), UNCLASSIFIED);
        assert_eq!(key(r#"{"source":1,"detail-type":[],"detail":{}}"#), UNCLASSIFIED);
        assert_eq!(
            key(r#"{"requestContext":"x","httpMethod":"GET"}"#),
            "aws.apigateway"
        );
    }

    #[test]
    fn eventbridge_exposes_source_and_detail_type() {
        let c = classify(br#"{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{}}}"#)
            .unwrap();
        assert_eq!(c.kind(), Some(Kind::EventBridge));
        assert_eq!(c.source(), Some("aws.s3"));
        assert_eq!(c.event_type(), Some("Object Created"));
        assert_eq!(c.path(), "/aws.s3");
    }

    #[test]
    fn cloudevents_expose_source_type_and_path() {
        let c = classify(
            br#"{"specversion":"1.0","id":"1","source":"/orders","type":"com.my.event","subject":"o-1"}"#,
        )
        .unwrap();
        assert_eq!(c.route_key(), "cloudevents");
        assert_eq!(c.source(), Some("/orders"));
        assert_eq!(c.subject(), Some("o-1"));
        assert_eq!(c.path(), "/com.my.event");
    }

    #[test]
    fn version_0_3_binary_events_classify() {
        let c = classify(
            br#"{"specversion":"0.3","id":"1","source":"/s","type":"t","datacontentencoding":"base64","data":"AAEC"}"#,
        )
        .unwrap();
        assert_eq!(c.route_key(), "cloudevents");
    }

    #[test]
    fn invalid_cloudevents_are_errors_not_unclassified() {
        let err = classify(br#"{"specversion":"1.0","source":"/s","type":"t"}"#).unwrap_err();
        assert_eq!(err.to_string(), "invalid CloudEvent: missing id");
    }

    #[test]
    fn iot_events_path_is_the_event_name() {
        let c = classify(br#"{"event":{"eventName":"myChargedEvent","payload":{}}}"#).unwrap();
        assert_eq!(c.route_key(), "aws.iotevents");
        assert_eq!(c.path(), "/myChargedEvent");
        assert_eq!(Classification::of_kind(Kind::S3).path(), "/aws.s3");
    }

    #[test]
    fn cloud_provider_events_expose_their_types() {
        let grid = classify(
            br#"[{"id":"1","subject":"/s","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2026-11-02T10:00:00Z","data":{},"dataVersion":""}]"#,
        )
        .unwrap();
        assert_eq!(grid.route_key(), "azure.eventgrid");
        assert_eq!(grid.event_type(), Some("Microsoft.Storage.BlobCreated"));
        let validation = classify(
            br#"{"id":"1","subject":"","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-11-02T10:00:00Z","data":{"validationCode":"c"},"dataVersion":"1"}"#,
        )
        .unwrap();
        assert_eq!(validation.route_key(), "azure.eventgrid.validation");
        let background =
            classify(br#"{"context":{"eventId":"1","eventType":"providers/cloud.firestore/eventTypes/document.write"},"data":{}}"#)
                .unwrap();
        assert_eq!(background.route_key(), "gcp.background");
        assert_eq!(
            background.event_type(),
            Some("providers/cloud.firestore/eventTypes/document.write")
        );
        assert_eq!(
            key(r#"{"message":{"data":"aGk=","messageId":"1"},"subscription":"projects/p/subscriptions/s"}"#),
            "gcp.pubsub"
        );
    }

    #[test]
    fn bad_bytes_are_typed_errors_with_positions() {
        assert!(matches!(
            classify(b"{\"a\":\n  tru"),
            Err(ClassifyError::InvalidJson { line: 2, .. })
        ));
        assert_eq!(
            classify(b"{\"a\":\"\xff\"}"),
            Err(ClassifyError::InvalidUtf8 { offset: 6 })
        );
        assert!(matches!(
            classify(b"{} {}"),
            Err(ClassifyError::InvalidJson { .. })
        ));
        assert!(matches!(classify(b""), Err(ClassifyError::InvalidJson { .. })));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(
            key("\u{feff}{\"Records\":[{\"eventSource\":\"aws:sqs\"}]}"),
            "aws.sqs"
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // Values the rules do not look at are skipped without recursion: a deep one is fine.
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(key(&deep), UNCLASSIFIED);
        // Inside an object the probe reads, the unknown keys' values are skipped the same way.
        let deep_marker = format!(
            "{{\"requestContext\":{{\"a\":{}1{}}}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(key(&deep_marker), UNCLASSIFIED);
        let unterminated = "[".repeat(100_000);
        assert!(matches!(
            classify(unterminated.as_bytes()),
            Err(ClassifyError::InvalidJson { .. })
        ));
    }

    #[test]
    fn escaped_keys_and_values_are_read() {
        assert_eq!(
            key(r#"{"Rec\u006frds":[{"eventSource":"aws:s\u0033"}]}"#),
            "aws.s3"
        );
    }
}

#[cfg(test)]
pub(crate) mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Arbitrary JSON, built from the marker keys the probe looks at and a few others (with
    /// escapes, quotes and brackets in keys and strings).
    pub(crate) fn json() -> impl Strategy<Value = serde_json::Value> {
        let key = prop_oneof![
            Just("Records".to_owned()),
            Just("eventSource".to_owned()),
            Just("source".to_owned()),
            Just("detail-type".to_owned()),
            Just("detail".to_owned()),
            Just("requestContext".to_owned()),
            Just("specversion".to_owned()),
            Just("id".to_owned()),
            Just("type".to_owned()),
            Just("version".to_owned()),
            Just("awslogs".to_owned()),
            Just("event".to_owned()),
            Just("EventSource".to_owned()),
            Just("cf".to_owned()),
            "[a-zA-Z-]{0,8}",
            ".{0,4}",
        ];
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            prop_oneof![
                Just("aws:s3".to_owned()),
                Just("aws:sqs".to_owned()),
                Just("1.0".to_owned()),
                Just("\\\"]}[{".to_owned()),
                ".{0,12}"
            ]
            .prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::btree_map(key.clone(), inner, 0..8)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = classify(&bytes);
        }

        /// The marker reader stops early and checks nothing; on JSON it answers exactly as
        /// checking all of it first does, compact or with whitespace between tokens.
        #[test]
        fn the_marker_reader_agrees_with_the_checked_path(value in json(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            prop_assert_eq!(classify_markers(&text), classify_str(&text));
        }

        #[test]
        fn arbitrary_json_classifies_without_error_unless_it_claims_to_be_a_cloudevent(value in json()) {
            let text = serde_json::to_string(&value).unwrap();
            match classify(text.as_bytes()) {
                Ok(_) => {}
                Err(ClassifyError::InvalidCloudEvent(_)) => {
                    prop_assert!(text.contains("\"specversion\""));
                }
                Err(error) => prop_assert!(false, "valid JSON gave {error}"),
            }
        }
    }
}
