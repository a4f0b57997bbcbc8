//! CloudWatch dashboard custom widget requests (`aws_lambda_events` has no type for them).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The event a CloudWatch custom widget sends to its Lambda function.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::CloudWatchWidgetEvent};
/// let event: CloudWatchWidgetEvent = RawEvent::new(Kind::CloudWatchWidget.sample()).decode_json().unwrap();
/// assert_eq!(event.params["queueName"], "orders-queue");
/// assert_eq!(event.widget_context["dashboardName"], "storefront-operations");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudWatchWidgetEvent {
    /// Dashboard, widget, time range, theme and so on.
    pub widget_context: Value,
    /// The widget's parameters (`params` in the widget definition), at the top level.
    #[serde(flatten)]
    pub params: serde_json::Map<String, Value>,
}
