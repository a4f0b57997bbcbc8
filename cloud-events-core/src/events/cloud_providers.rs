//! Events of Google Cloud and Azure: Pub/Sub push messages, background function events, and
//! Event Grid events (single or in an array).

use super::{DecodeError, EventOf, RawEvent};
use crate::batch::{Batch, BatchOrder, BatchRecord, BatchReport, Delivery, decode_record, event_grid_raw};
use crate::kinds::marker;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A Pub/Sub push subscription's request body.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::PubSubPushMessage};
/// let push: PubSubPushMessage = RawEvent::new(Kind::GcpPubSub.sample()).decode_json().unwrap();
/// assert_eq!(push.subscription, "projects/shop-prod/subscriptions/orders-push");
/// assert_eq!(push.message.attributes["origin"], "shop");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PubSubPushMessage {
    /// The message.
    pub message: PubSubMessage,
    /// `projects/<project>/subscriptions/<name>`.
    pub subscription: String,
}

/// One Pub/Sub message.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::PubSubPushMessage};
/// let push: PubSubPushMessage = RawEvent::new(Kind::GcpPubSub.sample()).decode_json().unwrap();
/// let message = push.message;
/// assert_eq!(message.message_id, "17548562387921093");
/// assert_eq!(message.publish_time.as_deref(), Some("2026-11-02T10:00:00.123Z"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PubSubMessage {
    /// The payload, base64.
    #[serde(default)]
    pub data: Option<String>,
    /// String attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The message id (Pub/Sub also sends it as `message_id`, which is ignored).
    pub message_id: String,
    /// When it was published (RFC 3339).
    #[serde(default)]
    pub publish_time: Option<String>,
    /// The ordering key, if any.
    #[serde(default)]
    pub ordering_key: Option<String>,
}

impl PubSubMessage {
    /// The payload's bytes (base64-decoded).
    ///
    /// ```
    /// use cloud_events_core::{Kind, RawEvent, events::PubSubPushMessage};
    /// let push: PubSubPushMessage = RawEvent::new(Kind::GcpPubSub.sample()).decode_json().unwrap();
    /// assert_eq!(push.message.bytes().unwrap(), br#"{"orderId": "o-9", "amount": 12}"#);
    /// ```
    pub fn bytes(&self) -> Result<Vec<u8>, DecodeError> {
        use base64::Engine;
        let data = self.data.as_deref().unwrap_or("");
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| DecodeError::new::<Vec<u8>>(format!("message.data is not base64: {e}")))
    }
}

/// A Google Cloud Functions (1st gen) or Firebase background event.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::GcpBackgroundEvent};
/// let event: GcpBackgroundEvent = RawEvent::new(Kind::GcpBackground.sample()).decode_json().unwrap();
/// assert_eq!(event.context.event_type, "google.storage.object.finalize");
/// assert_eq!(event.data["name"], "invoice-9.pdf");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GcpBackgroundEvent {
    /// Event id, time, type and resource.
    pub context: GcpEventContext,
    /// The event's data.
    pub data: Value,
}

/// The `context` of a background event.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::GcpBackgroundEvent};
/// let event: GcpBackgroundEvent = RawEvent::new(Kind::GcpBackground.sample()).decode_json().unwrap();
/// let context = event.context;
/// assert_eq!(context.event_id, "1147091835525187");
/// assert_eq!(context.resource["service"], "storage.googleapis.com");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GcpEventContext {
    /// The event id.
    pub event_id: String,
    /// When it happened.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// e.g. `google.storage.object.finalize`, `providers/cloud.firestore/eventTypes/document.write`.
    pub event_type: String,
    /// The resource: a string, or an object with `service`, `name`, `type`.
    #[serde(default)]
    pub resource: Value,
}

/// An Azure Event Grid event (Event Grid schema), its `data` decoded into `T`.
///
/// Event Grid delivers one event or an array of them: a handler taking `EventGridEvent<T>` is
/// called once per event.
///
/// ```
/// use cloud_events_core::{Kind, events::EventGridEvent};
/// let events: Vec<EventGridEvent> = serde_json::from_str(Kind::AzureEventGrid.sample()).unwrap();
/// assert_eq!(events[0].event_type, "Microsoft.Storage.BlobCreated");
/// assert_eq!(events[0].data["contentLength"], 5120);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventGridEvent<T = Value> {
    /// The event id.
    pub id: String,
    /// The publisher's resource path (set by Event Grid).
    #[serde(default)]
    pub topic: Option<String>,
    /// The subject, publisher-defined.
    pub subject: String,
    /// e.g. `Microsoft.Storage.BlobCreated`.
    pub event_type: String,
    /// When it happened.
    pub event_time: String,
    /// The event's data.
    pub data: T,
    /// The data's schema version.
    #[serde(default)]
    pub data_version: Option<String>,
    /// The event schema's version (set by Event Grid).
    #[serde(default)]
    pub metadata_version: Option<String>,
}

/// The `data` of a subscription validation event: answer with
/// `{"validationResponse": validation_code}`.
///
/// ```
/// use cloud_events_core::Kind;
/// use cloud_events_core::events::{EventGridEvent, SubscriptionValidationData};
/// let events: Vec<EventGridEvent<SubscriptionValidationData>> =
///     serde_json::from_str(Kind::AzureEventGridValidation.sample()).unwrap();
/// let answer = serde_json::json!({ "validationResponse": events[0].data.validation_code });
/// assert_eq!(answer["validationResponse"], "512d38b6-c7b8-40c8-89fe-f46f9e9622b6");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionValidationData {
    /// The code to echo back.
    pub validation_code: String,
    /// The URL to open instead, for manual validation.
    #[serde(default)]
    pub validation_url: Option<String>,
}

/// The request an Azure Functions custom handler receives for any trigger (Event Hubs,
/// Service Bus, Storage queues, timers...): the trigger's and input bindings' values by binding
/// name, and the trigger's metadata.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::AzureFunctionsRequest};
/// let request: AzureFunctionsRequest = RawEvent::new(Kind::AzureFunctions.sample()).decode_json().unwrap();
/// assert_eq!(request.metadata["sys"]["MethodName"], "ProcessOrder");
/// assert!(request.data.contains_key("queueItem"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AzureFunctionsRequest {
    /// Binding name -> value (a message body is often a JSON string).
    #[serde(rename = "Data")]
    pub data: serde_json::Map<String, Value>,
    /// Trigger metadata (`MessageId`, `EnqueuedTimeUtc`, ..., and `sys` with `MethodName`,
    /// `UtcNow`, `RandomGuid`).
    #[serde(rename = "Metadata", default)]
    pub metadata: serde_json::Map<String, Value>,
}

impl AzureFunctionsRequest {
    /// The value of binding `name` decoded into `T` (a string holding JSON is read as JSON).
    ///
    /// ```
    /// use cloud_events_core::{Kind, RawEvent, events::AzureFunctionsRequest};
    /// #[derive(serde::Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Order { order_id: String, amount: u32 }
    ///
    /// let request: AzureFunctionsRequest = RawEvent::new(Kind::AzureFunctions.sample()).decode_json().unwrap();
    /// let order: Order = request.binding("queueItem").unwrap();
    /// assert_eq!((order.order_id.as_str(), order.amount), ("o-9", 12));
    /// assert!(request.binding::<Order>("missing").is_err());
    /// ```
    pub fn binding<T: DeserializeOwned>(&self, name: &str) -> Result<T, DecodeError> {
        let value = self
            .data
            .get(name)
            .ok_or_else(|| DecodeError::new::<T>(format!("no binding named `{name}`")))?;
        let from_string = value.as_str().and_then(|text| serde_json::from_str(text).ok());
        match from_string {
            Some(decoded) => Ok(decoded),
            None => serde_json::from_value(value.clone())
                .map_err(|e| DecodeError::new::<T>(format!("binding `{name}`: {e}"))),
        }
    }
}

fn event_grid_records<T: DeserializeOwned>(
    event: &RawEvent,
) -> Result<Delivery<EventGridEvent<T>>, DecodeError> {
    let raw =
        event_grid_raw(event.json()).map_err(|e| DecodeError::new::<EventGridEvent<T>>(e.to_string()))?;
    event.read_whole();
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Id {
        id: Option<String>,
    }
    let records = raw
        .into_iter()
        .map(|raw| BatchRecord {
            id: serde_json::from_str::<Id>(raw.get()).unwrap_or_default().id,
            record: decode_record(raw.get()),
            data: None,
        })
        .collect();
    Ok(Delivery::Records(Batch {
        records,
        report: BatchReport::WholeEvent,
        order: BatchOrder::Independent,
    }))
}

macro_rules! event_grid {
    ($($marker:ident),*) => {
        $(impl<T: DeserializeOwned> EventOf<marker::$marker> for EventGridEvent<T> {
            const PER_RECORD: bool = true;

            fn decode(_event: &RawEvent) -> Result<Self, DecodeError> {
                Err(DecodeError::new::<Self>("Event Grid events are delivered one by one: handlers taking one are called per event"))
            }

            fn deliver(event: &RawEvent) -> Result<Delivery<Self>, DecodeError> {
                event_grid_records(event)
            }
        })*
    };
}

crate::delivered::event_grid_table!(event_grid);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_grid_arrays_are_delivered_one_by_one() {
        let event = RawEvent::new(
            r#"[{"id":"1","subject":"/blobs/a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2026-11-02T10:00:00Z","data":{"url":"u"},"dataVersion":"1"},
                {"id":"2","subject":"/blobs/b","eventType":"Microsoft.Storage.BlobDeleted","eventTime":"2026-11-02T10:00:01Z","data":{"url":"v"},"dataVersion":"1"}]"#,
        );
        let Ok(Delivery::Records(batch)) =
            <EventGridEvent as EventOf<marker::AzureEventGrid>>::deliver(&event)
        else {
            panic!("records")
        };
        assert_eq!(batch.records.len(), 2);
        assert_eq!(batch.records[1].id.as_deref(), Some("2"));
        assert_eq!(batch.records[1].record.as_ref().unwrap().data["url"], "v");
    }

    #[test]
    fn azure_functions_bindings_decode_json_strings() {
        let request: AzureFunctionsRequest = serde_json::from_str(
            r#"{"Data":{"message":"{\"id\":4}","count":2},"Metadata":{"sys":{"MethodName":"orders"}}}"#,
        )
        .unwrap();
        #[derive(Deserialize, PartialEq, Debug)]
        struct Order {
            id: u32,
        }
        assert_eq!(request.binding::<Order>("message").unwrap(), Order { id: 4 });
        assert_eq!(request.binding::<u32>("count").unwrap(), 2);
        assert!(request.binding::<u32>("missing").is_err());
    }

    #[test]
    fn pubsub_data_is_base64() {
        let message = PubSubMessage {
            data: Some("aGk=".into()),
            attributes: BTreeMap::new(),
            message_id: "1".into(),
            publish_time: None,
            ordering_key: None,
        };
        assert_eq!(message.bytes().unwrap(), b"hi");
    }
}
