// Typed payloads need only `Deserialize`: a handler only ever decodes them. Types imported
// under another name are the same types.
use cloud_events_lambda::events::{DynamoDbChange, EventBridgeEvent, EventGridEvent, Json, S3Event as Upload};
use cloud_events_lambda::{CloudEvent, on_cloudevent, on_event};

#[derive(serde::Deserialize)]
struct Detail {
    id: String,
}

#[on_event("aws.events")]
fn detail(event: EventBridgeEvent<Detail>) -> String {
    event.detail.id
}

#[on_event("aws.sqs")]
fn body(message: Json<Detail>) -> String {
    message.0.id
}

#[on_cloudevent(type = "com.example.detail")]
fn data(event: CloudEvent<Detail>) -> Option<String> {
    event.data.map(|detail| detail.id)
}

#[on_event("aws.dynamodb")]
fn change(change: DynamoDbChange<Detail>) -> Option<String> {
    change.new_image.map(|detail| detail.id)
}

#[on_event("azure.eventgrid")]
fn grid(event: EventGridEvent<Detail>) -> String {
    event.data.id
}

#[on_event("aws.s3")]
fn renamed(event: Upload) -> usize {
    event.records.len()
}

fn main() {}
