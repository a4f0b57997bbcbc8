//! The marker reader: one pass over the event's bytes that records only the fields the kinds
//! table's rules look at.
//!
//! Nothing here builds a `serde_json::Value`: every value the rules do not need is skipped with
//! [`IgnoredAny`], strings are borrowed from the input where JSON escapes allow, and a marker
//! of an unexpected JSON type (a number where a string was expected, say) is simply "absent",
//! so that a strange payload is `unclassified` rather than an error.
//!
//! Some markers are *decisive*: `specversion`, the first record of `Records` naming its source
//! (or carrying `cf`), and a complete EventBridge envelope (`source`, `detail-type` and
//! `detail`). The first decisive marker in document order decides the kind, and the reader
//! stops there: it reads only text already known to be JSON (a
//! [`serde_json::value::RawValue`]).

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Visitor methods that accept every JSON scalar and answer `$value`.
macro_rules! skip_scalars {
    ($value:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// Receives the fields of one JSON object, one key at a time.
trait FieldSink<'de>: Default {
    /// Reads (or skips) the value of `key` from `map`.
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

macro_rules! presence {
    ($($field:ident = $json:literal),* $(,)?) => {
        /// Which marker keys (whose values do not matter) the top-level object has.
        #[derive(Debug, Default, Clone, Copy)]
        pub(crate) struct Present {
            $(pub(crate) $field: bool,)*
        }

        impl Present {
            /// Marks `key` as present; false if it is no marker key.
            fn mark(&mut self, key: &str) -> bool {
                match key {
                    $($json => self.$field = true,)*
                    _ => return false,
                }
                true
            }
        }
    };
}

presence! {
    records = "records", messages = "messages", rmq_messages_by_queue = "rmqMessagesByQueue",
    events = "events", delivery_stream_arn = "deliveryStreamArn", invocation_id = "invocationId",
    alarm_data = "alarmData", detail = "detail", bot = "bot",
    output_dialog_mode = "outputDialogMode", current_intent = "currentIntent",
    session_state = "sessionState", interpretations = "interpretations",
    identity_id = "identityId", identity_pool_id = "identityPoolId",
    trigger_source = "triggerSource", user_pool_id = "userPoolId",
    config_rule_id = "configRuleId", invoking_event = "invokingEvent",
    rule_parameters = "ruleParameters", request_type = "RequestType",
    logical_resource_id = "LogicalResourceId", stack_id = "StackId", method_arn = "methodArn",
    route_arn = "routeArn", route_key = "routeKey", request_context = "requestContext",
    http_method = "httpMethod", method = "method", raw_path = "raw_path",
    authorization_token = "authorizationToken", arguments = "arguments", info = "info",
    field_name = "fieldName", payload = "payload",
    invocation_schema_version = "invocationSchemaVersion", job = "job", tasks = "tasks",
    configuration = "configuration", get_object_context = "getObjectContext",
    head_object_context = "headObjectContext", list_objects_context = "listObjectsContext",
    list_objects_v2_context = "listObjectsV2Context", user_request = "userRequest",
    secret_id = "SecretId", client_request_token = "ClientRequestToken", step = "Step",
    codepipeline_job = "CodePipeline.job", deployment_id = "DeploymentId",
    lifecycle_event_hook_execution_id = "LifecycleEventHookExecutionId", name = "Name",
    details = "Details", message_version = "messageVersion", agent = "agent",
    action_group = "actionGroup", header = "header", directive = "directive",
    session = "session", request = "request", serial_number = "serialNumber",
    click_type = "clickType", device_event = "deviceEvent", device_info = "deviceInfo",
    protocol_data = "protocolData", connection_metadata = "connectionMetadata",
    connection_id = "connection-id", endpoint_id = "endpoint-id",
    widget_context = "widgetContext",
    subscription = "subscription", message = "message", event_time = "eventTime",
    data_version = "dataVersion", subject = "subject", data = "data",
    functions_data = "Data", functions_metadata = "Metadata",
}

/// What the classifier knows of an event after one pass over its bytes.
#[derive(Debug, Default)]
pub(crate) struct Probe<'de> {
    /// The event was a top-level JSON array; the probe describes its first element.
    pub(crate) in_array: bool,
    /// This probe reads the top-level object, where decisive markers decide (and reading
    /// stops).
    decisive: bool,
    /// The kind a decisive marker decided.
    pub(crate) decided: Option<crate::kinds::Kind>,
    pub(crate) has: Present,
    pub(crate) specversion: bool,
    pub(crate) event_source: Option<Cow<'de, str>>,
    pub(crate) source: Option<Cow<'de, str>>,
    pub(crate) detail_type: Option<Cow<'de, str>>,
    pub(crate) version: Option<Cow<'de, str>>,
    pub(crate) type_: Option<Cow<'de, str>>,
    pub(crate) operation: Option<Cow<'de, str>>,
    /// `Records[0].eventSource` (or SNS's `EventSource`).
    pub(crate) record_event_source: Option<Cow<'de, str>>,
    /// `Records[0].cf` is present.
    pub(crate) record_cf: bool,
    pub(crate) context: ContextProbe,
    pub(crate) awslogs_data: bool,
    pub(crate) iot_event_name: Option<Cow<'de, str>>,
    /// Azure Event Grid's (or Cognito Sync's) `eventType`.
    pub(crate) event_type: Option<Cow<'de, str>>,
    /// A Google Cloud background function's `context`.
    pub(crate) gcp_context: GcpContextProbe<'de>,
}

impl Probe<'_> {
    pub(crate) fn record_source(&self, expected: &str) -> bool {
        self.record_event_source.as_deref() == Some(expected)
    }

    pub(crate) fn event_source_is(&self, expected: &str) -> bool {
        self.event_source.as_deref() == Some(expected)
    }

    /// Azure Event Grid schema.
    pub(crate) fn is_event_grid(&self) -> bool {
        self.event_type.is_some() && self.has.event_time && self.has.data_version && self.has.subject
    }

    /// API Gateway payload format 2.0 (HTTP APIs and function URLs).
    pub(crate) fn is_http_v2(&self) -> bool {
        self.version.as_deref() == Some("2.0") && self.has.route_key && self.has.request_context
    }
}

impl<'de> Probe<'de> {
    /// Decides the kind if the markers read so far are a decisive one; `Err` to stop reading.
    fn decide<E: de::Error>(&mut self, candidate: Probe<'_>) -> Result<(), E> {
        if !self.decisive || self.decided.is_some() {
            return Ok(());
        }
        self.decided = crate::kinds::Kind::ALL
            .iter()
            .copied()
            .find(|kind| kind.detect(&candidate));
        if self.decided.is_some() {
            return Err(E::custom(STOP));
        }
        Ok(())
    }

    /// Decides EventBridge once its envelope is complete.
    fn decide_eventbridge<E: de::Error>(&mut self) -> Result<(), E> {
        if self.source.is_none() || self.detail_type.is_none() || !self.has.detail {
            return Ok(());
        }
        let mut candidate = Probe {
            source: self.source.clone(),
            detail_type: self.detail_type.clone(),
            ..Probe::default()
        };
        candidate.has.detail = true;
        self.decide(candidate)
    }
}

/// The error message that stops the reader at a decision (never shown: the probe is kept).
const STOP: &str = "the kind is decided";

impl<'de> FieldSink<'de> for Probe<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "Records" => map.next_value_seed(RecordsSeed(self))?,
            "detail" => {
                self.has.detail = true;
                self.decide_eventbridge::<A::Error>()?;
                map.next_value::<IgnoredAny>()?;
            }
            "requestContext" => {
                self.has.request_context = true;
                self.context = map.next_value::<Lenient<ContextProbe>>()?.0;
            }
            "awslogs" => self.awslogs_data = map.next_value::<Lenient<AwsLogsProbe>>()?.0.data,
            "event" => self.iot_event_name = map.next_value::<Lenient<IotEventProbe<'de>>>()?.0.event_name,
            "eventSource" => self.event_source = map.next_value::<MaybeStr<'de>>()?.0,
            "eventType" => self.event_type = map.next_value::<MaybeStr<'de>>()?.0,
            "context" => self.gcp_context = map.next_value::<Lenient<GcpContextProbe<'de>>>()?.0,
            "source" => {
                self.source = map.next_value::<MaybeStr<'de>>()?.0;
                self.decide_eventbridge::<A::Error>()?;
            }
            "detail-type" => {
                self.detail_type = map.next_value::<MaybeStr<'de>>()?.0;
                self.decide_eventbridge::<A::Error>()?;
            }
            "version" => self.version = map.next_value::<MaybeStr<'de>>()?.0,
            "type" => self.type_ = map.next_value::<MaybeStr<'de>>()?.0,
            "operation" => self.operation = map.next_value::<MaybeStr<'de>>()?.0,
            "specversion" => {
                self.specversion = true;
                self.decide::<A::Error>(Probe {
                    specversion: true,
                    ..Probe::default()
                })?;
                map.next_value::<IgnoredAny>()?;
            }
            other => {
                self.has.mark(other);
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The fields of `requestContext` that tell HTTP-shaped events apart.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ContextProbe {
    pub(crate) elb: bool,
    pub(crate) connection_id: bool,
    pub(crate) event_type: bool,
    pub(crate) api_id: bool,
    pub(crate) service_arn: bool,
    /// `domainName` is a Lambda function URL host (`<id>.lambda-url.<region>.on.aws`).
    pub(crate) lambda_url_domain: bool,
}

impl<'de> FieldSink<'de> for ContextProbe {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let flag = match key {
            "elb" => &mut self.elb,
            "connectionId" => &mut self.connection_id,
            "eventType" => &mut self.event_type,
            "apiId" => &mut self.api_id,
            "serviceArn" | "serviceNetworkArn" | "targetGroupArn" => &mut self.service_arn,
            "domainName" => {
                let domain = map.next_value::<MaybeStr<'de>>()?.0;
                self.lambda_url_domain = domain.is_some_and(|d| d.contains(".lambda-url."));
                return Ok(());
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
                return Ok(());
            }
        };
        *flag = true;
        map.next_value::<IgnoredAny>()?;
        Ok(())
    }
}

/// Reads `Records`: the first record's `eventSource` (or SNS's `EventSource`) and `cf`,
/// straight into the probe so that a decision can stop the reader mid-array.
struct RecordsSeed<'p, 'de>(&'p mut Probe<'de>);

impl<'de> de::DeserializeSeed<'de> for RecordsSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(RecordsVisitor(self.0, false))
    }
}

/// `RecordsVisitor(probe, false)` reads the `Records` array; `(probe, true)` its first record.
struct RecordsVisitor<'p, 'de>(&'p mut Probe<'de>, bool);

impl<'de> Visitor<'de> for RecordsVisitor<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_scalars!(());
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let probe = self.0;
        if !self.1 {
            probe.record_event_source = None;
            probe.record_cf = false;
            if seq.next_element_seed(RecordSeed(&mut *probe))?.is_some() {
                // A first record with `cf` and no known source decides once it is complete.
                let candidate = Probe {
                    record_event_source: probe.record_event_source.clone(),
                    record_cf: probe.record_cf,
                    ..Probe::default()
                };
                probe.decide::<A::Error>(candidate)?;
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let probe = self.0;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if !self.1 {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match &*key.0 {
                "eventSource" | "EventSource" => {
                    probe.record_event_source = map.next_value::<MaybeStr<'de>>()?.0;
                    let candidate = Probe {
                        record_event_source: probe.record_event_source.clone(),
                        ..Probe::default()
                    };
                    probe.decide::<A::Error>(candidate)?;
                }
                "cf" => {
                    probe.record_cf = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The first record of `Records`.
struct RecordSeed<'p, 'de>(&'p mut Probe<'de>);

impl<'de> de::DeserializeSeed<'de> for RecordSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(RecordsVisitor(self.0, true))
    }
}

#[derive(Debug, Default)]
struct AwsLogsProbe {
    data: bool,
}

impl<'de> FieldSink<'de> for AwsLogsProbe {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        self.data |= key == "data";
        map.next_value::<IgnoredAny>()?;
        Ok(())
    }
}

/// `context.eventId` and `context.eventType` of a Google Cloud background function event.
#[derive(Debug, Default)]
pub(crate) struct GcpContextProbe<'de> {
    pub(crate) event_id: bool,
    pub(crate) event_type: Option<Cow<'de, str>>,
}

impl<'de> FieldSink<'de> for GcpContextProbe<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "eventType" => self.event_type = map.next_value::<MaybeStr<'de>>()?.0,
            "eventId" => {
                self.event_id = true;
                map.next_value::<IgnoredAny>()?;
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct IotEventProbe<'de> {
    event_name: Option<Cow<'de, str>>,
}

impl<'de> FieldSink<'de> for IotEventProbe<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "eventName" {
            self.event_name = map.next_value::<MaybeStr<'de>>()?.0;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// A map key, borrowed from the input unless it contains escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Any JSON value; keeps it when it is a string.
struct MaybeStr<'de>(Option<Cow<'de, str>>);

impl<'de> Deserialize<'de> for MaybeStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(LenientVisitor::<StrSlot<'de>>(PhantomData))
            .map(|slot| MaybeStr(slot.0))
    }
}

/// Any JSON value; read field by field with `T` when it is an object.
struct Lenient<T>(T);

impl<'de, T: FieldSink<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(LenientVisitor::<ObjectSlot<T>>(PhantomData))
            .map(|slot| Lenient(slot.0))
    }
}

/// How a lenient visitor keeps the one shape it cares about; every other shape is skipped.
trait Slot<'de>: Default {
    fn from_str(_value: Cow<'de, str>) -> Self {
        Self::default()
    }
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
}

#[derive(Default)]
struct StrSlot<'de>(Option<Cow<'de, str>>);
impl<'de> Slot<'de> for StrSlot<'de> {
    fn from_str(value: Cow<'de, str>) -> Self {
        StrSlot(Some(value))
    }
}

#[derive(Default)]
struct ObjectSlot<T>(T);
impl<'de, T: FieldSink<'de>> Slot<'de> for ObjectSlot<T> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut sink = T::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            sink.field(&key.0, &mut map)?;
        }
        Ok(ObjectSlot(sink))
    }
}

struct FirstSlot<T>(Option<T>);
impl<T> Default for FirstSlot<T> {
    fn default() -> Self {
        FirstSlot(None)
    }
}
impl<'de, T: FieldSink<'de>> Slot<'de> for FirstSlot<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let first = seq.next_element::<Lenient<T>>()?.map(|first| first.0);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(FirstSlot(first))
    }
}

struct LenientVisitor<S>(PhantomData<S>);

impl<'de, S: Slot<'de>> Visitor<'de> for LenientVisitor<S> {
    type Value = S;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<S, E> {
        Ok(S::default())
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<S, E> {
        Ok(S::from_str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<S, E> {
        Ok(S::from_str(Cow::Owned(v.to_owned())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S, A::Error> {
        S::from_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<S, A::Error> {
        S::from_seq(seq)
    }
}

/// The top level: an object is probed (where decisive markers decide); an array is probed
/// through its first element.
struct TopVisitor<'p, 'de>(&'p mut Probe<'de>);

impl<'de> Visitor<'de> for TopVisitor<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_scalars!(());
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            self.0.field(&key.0, &mut map)?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        if let Some(first) = FirstSlot::<Probe<'de>>::from_seq(seq)?.0 {
            *self.0 = first;
        }
        self.0.in_array = true;
        Ok(())
    }
}

/// Reads the marker fields of text known to be one JSON value, stopping at the first
/// decisive marker.
pub(crate) fn probe_valid(json: &str) -> Result<Probe<'_>, serde_json::Error> {
    let mut probe = Probe {
        decisive: true,
        ..Probe::default()
    };
    let mut deserializer = serde_json::Deserializer::from_str(json);
    match deserializer.deserialize_any(TopVisitor(&mut probe)) {
        Err(error) if probe.decided.is_none() => Err(error),
        _ => Ok(probe),
    }
}
