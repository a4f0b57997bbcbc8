//! Interop with the official Rust SDK (`cloudevents-sdk`, feature `sdk`): conversions through
//! the JSON event format, which both sides implement in full.

use super::{CloudEvent, CloudEventError};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl<T: Serialize> TryFrom<&CloudEvent<T>> for cloudevents::Event {
    type Error = CloudEventError;

    fn try_from(event: &CloudEvent<T>) -> Result<Self, CloudEventError> {
        let json = serde_json::to_value(event).map_err(|e| CloudEventError::Json(e.to_string()))?;
        serde_json::from_value(json)
            .map_err(|e| CloudEventError::Json(format!("the SDK refused the event: {e}")))
    }
}

impl<T: DeserializeOwned> TryFrom<&cloudevents::Event> for CloudEvent<T> {
    type Error = CloudEventError;

    fn try_from(event: &cloudevents::Event) -> Result<Self, CloudEventError> {
        let json = serde_json::to_vec(event).map_err(|e| CloudEventError::Json(e.to_string()))?;
        CloudEvent::from_json(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudevents::{AttributesReader, EventBuilder, EventBuilderV10};
    use serde_json::json;

    #[test]
    fn ours_to_the_sdk_and_back() {
        let ours = CloudEvent::new("/orders", "com.example.order.created", json!({"id": 7}))
            .unwrap()
            .with_subject("orders/7")
            .unwrap()
            .with_datacontenttype("application/json")
            .unwrap()
            .with_extension("traceparent", "00-abc")
            .unwrap();
        let sdk = cloudevents::Event::try_from(&ours).unwrap();
        assert_eq!(sdk.id(), ours.id);
        assert_eq!(sdk.ty(), "com.example.order.created");
        assert_eq!(sdk.source().to_string(), "/orders");
        assert_eq!(sdk.subject(), Some("orders/7"));
        let back: CloudEvent = CloudEvent::try_from(&sdk).unwrap();
        assert_eq!(back.data, ours.data);
        assert_eq!(back.extensions["traceparent"], "00-abc");
        assert_eq!(back.id, ours.id);
    }

    #[test]
    fn an_sdk_event_becomes_ours_with_typed_data() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Order {
            id: u32,
        }
        let sdk = EventBuilderV10::new()
            .id("e-1")
            .source("/sdk")
            .ty("com.example.sdk")
            .data("application/json", json!({"id": 3}))
            .build()
            .unwrap();
        let ours: CloudEvent<Order> = CloudEvent::try_from(&sdk).unwrap();
        assert_eq!(ours.data, Some(Order { id: 3 }));
        assert_eq!(ours.source, "/sdk");
    }
}
