//! The markers: what the classifier reads of an event (`Probe`, filled in by the marker
//! reader in `probe.rs`) and the kinds table's rule for each kind over them
//! (`Kind::detect`).

use crate::kinds::{Kind, kinds_table};
use std::borrow::Cow;

macro_rules! presence {
    ($($field:ident = $json:literal),* $(,)?) => {
        /// Which marker keys (whose values do not matter) the top-level object has.
        #[derive(Debug, Default, Clone, Copy)]
        pub(crate) struct Present {
            $(pub(crate) $field: bool,)*
        }

        impl Present {
            /// Marks `key` as present; false if it is no marker key.
            pub(crate) fn mark(&mut self, key: &str) -> bool {
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
    summary_version = "summaryVersion", envelope = "envelope",
    labeling_job_arn = "labelingJobArn", data_object = "dataObject",
    label_attribute_name = "labelAttributeName",
    claim_certificate_id = "claimCertificateId", template_arn = "templateArn",
}

/// What the classifier knows of an event after one pass over its bytes.
#[derive(Debug, Default)]
pub(crate) struct Probe<'a> {
    /// The event was a top-level JSON array; the probe describes its first element.
    pub(crate) in_array: bool,
    /// This probe reads the top-level object, where decisive markers decide (and reading
    /// stops).
    pub(crate) decisive: bool,
    /// The kind a decisive marker decided.
    pub(crate) decided: Option<crate::kinds::Kind>,
    pub(crate) has: Present,
    pub(crate) specversion: bool,
    pub(crate) event_source: Option<Cow<'a, str>>,
    pub(crate) source: Option<Cow<'a, str>>,
    pub(crate) detail_type: Option<Cow<'a, str>>,
    pub(crate) version: Option<Cow<'a, str>>,
    pub(crate) type_: Option<Cow<'a, str>>,
    pub(crate) operation: Option<Cow<'a, str>>,
    /// `Records[0].eventSource` (or SNS's `EventSource`).
    pub(crate) record_event_source: Option<Cow<'a, str>>,
    /// `Records[0].cf` is present.
    pub(crate) record_cf: bool,
    pub(crate) context: ContextProbe,
    pub(crate) awslogs_data: bool,
    pub(crate) iot_event_name: Option<Cow<'a, str>>,
    /// Azure Event Grid's (or Cognito Sync's) `eventType`.
    pub(crate) event_type: Option<Cow<'a, str>>,
    /// A Google Cloud background function's `context`.
    pub(crate) gcp_context: GcpContextProbe<'a>,
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

/// `context.eventId` and `context.eventType` of a Google Cloud background function event.
#[derive(Debug, Default)]
pub(crate) struct GcpContextProbe<'a> {
    pub(crate) event_id: bool,
    pub(crate) event_type: Option<Cow<'a, str>>,
}

/// Each kind's detection rule, from its row of the kinds table.
macro_rules! detection {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident = $key:literal {
            title: $title:literal,
            marker: $marker:literal,
            event: $gen:tt $ty:ty,
            $(feature: $feature:literal,)?
            $(decode: $manual:ident,)?
            $(arrays: $arrays:literal,)?
            detect: |$p:ident| $detect:expr $(,)?
        }
    )*) => {
        impl Kind {
            /// Whether the markers read of an event are this kind's.
            pub(crate) fn detect(self, probe: &Probe<'_>) -> bool {
                match self {
                    $(Kind::$variant => {
                        let $p = probe;
                        $detect
                    })*
                }
            }
        }
    };
}

kinds_table!(detection);
