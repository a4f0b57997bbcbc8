use cloud_events_lambda::events::{EventBridgeEvent, S3Event, SqsEvent};
use cloud_events_lambda::{Classification, CloudEvent, Context, Dep, RawEvent, on_cloudevent, on_event};

struct Store;

#[derive(serde::Deserialize, serde::Serialize)]
struct Order {
    id: String,
}

#[on_event("aws.s3", rank = -2)]
async fn async_result(_event: S3Event, _store: Dep<Store>, _context: Context) -> Result<usize, std::io::Error> {
    Ok(1)
}

#[on_event("aws.sqs")]
fn sync_unit(_event: SqsEvent) {}

#[on_event("aws.events")]
fn typed_detail(event: EventBridgeEvent<Order>) -> String {
    event.detail.id
}

#[on_event("aws.dynamodb")]
fn raw_value(_event: serde_json::Value, _c: Classification) -> Option<u8> {
    None
}

#[on_cloudevent(source = "/orders", type = "com.example.order.created", rank = 3)]
async fn order_created(event: CloudEvent<Order>) -> Result<String, String> {
    event.data.map(|order| order.id).ok_or_else(|| "no data".to_owned())
}

#[on_event(default)]
fn fallback(_event: RawEvent) {}

fn main() {}
