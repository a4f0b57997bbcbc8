//! The marker reader: one pass over the event's bytes that records only the fields the kinds
//! table's rules look at.
//!
//! Nothing here builds a `serde_json::Value`: every value the rules do not need is skipped with
//! [`IgnoredAny`], strings are borrowed from the input where JSON escapes allow, and a marker
//! of an unexpected JSON type (a number where a string was expected, say) is simply "absent",
//! so that a strange payload is `unclassified` rather than an error.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

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

impl<'de> FieldSink<'de> for Probe<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "Records" => {
                let first: FirstOf<RecordProbe<'de>> = map.next_value()?;
                if let Some(record) = first.0 {
                    self.record_event_source = record.event_source;
                    self.record_cf = record.cf;
                }
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
            "source" => self.source = map.next_value::<MaybeStr<'de>>()?.0,
            "detail-type" => self.detail_type = map.next_value::<MaybeStr<'de>>()?.0,
            "version" => self.version = map.next_value::<MaybeStr<'de>>()?.0,
            "type" => self.type_ = map.next_value::<MaybeStr<'de>>()?.0,
            "operation" => self.operation = map.next_value::<MaybeStr<'de>>()?.0,
            "specversion" => {
                self.specversion = true;
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

#[derive(Debug, Default)]
struct RecordProbe<'de> {
    event_source: Option<Cow<'de, str>>,
    cf: bool,
}

impl<'de> FieldSink<'de> for RecordProbe<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "eventSource" | "EventSource" => {
                self.event_source = map.next_value::<MaybeStr<'de>>()?.0;
            }
            "cf" => {
                self.cf = true;
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

/// Any JSON value; when it is an array, its first element read with `T` (the rest skipped).
struct FirstOf<T>(Option<T>);

impl<'de, T: FieldSink<'de>> Deserialize<'de> for FirstOf<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(LenientVisitor::<FirstSlot<T>>(PhantomData))
            .map(|slot| FirstOf(slot.0))
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

/// The top level: an object is probed; an array is probed through its first element.
#[derive(Default)]
struct TopSlot<'de>(Probe<'de>);
impl<'de> Slot<'de> for TopSlot<'de> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        ObjectSlot::<Probe<'de>>::from_map(map).map(|slot| TopSlot(slot.0))
    }
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        let first = FirstSlot::<Probe<'de>>::from_seq(seq)?;
        Ok(TopSlot(first.0.map_or_else(Probe::default, |mut probe| {
            probe.in_array = true;
            probe
        })))
    }
}

/// Reads the marker fields of one JSON document.
pub(crate) fn probe(json: &str) -> Result<Probe<'_>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let slot = deserializer.deserialize_any(LenientVisitor::<TopSlot<'_>>(PhantomData))?;
    deserializer.end()?;
    Ok(slot.0)
}
