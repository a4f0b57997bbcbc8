//! Matching through the macros: shorthand arguments, `when` conditions, ranks and the order
//! `routes` shows.

use cloud_events_lambda::{
    Dependencies, Dispatcher, Options, RawEvent, Selection, classify, on_cloudevent, on_event,
};

#[on_event(
    "aws.events",
    source = "aws.ec2",
    detail_type = "EC2 Instance State-change Notification"
)]
fn ec2_state(_event: RawEvent) {}

#[on_event("aws.events", source = "aws.ec2")]
fn any_ec2(_event: RawEvent) {}

#[on_event(
    "aws.events",
    when = r#"source == "aws.cloudwatch" && detail.state.value == "ALARM" && detail.previousState.value == "OK""#
)]
fn alarm_raised(_event: RawEvent) {}

#[on_event("aws.events", rank = -1)]
fn any_eventbridge(_event: RawEvent) {}

#[on_cloudevent(source = "/orders", type = "com.example.order.*")]
fn order_events(_event: RawEvent) {}

#[on_cloudevent(type = "com.example.order.created", subject = "vip-*")]
fn vip_order_created(_event: RawEvent) {}

#[on_cloudevent(type = "google.cloud.storage.object.v1.*")]
fn gcs_object(_event: RawEvent) {}

#[on_event("aws.iotevents", event_name = "myChargedEvent")]
fn charged(_event: RawEvent) {}

#[on_event(
    "aws.s3",
    when = r#"ends_with(Records[0].s3.object.key, ".pdf") || Records[0].s3.object.size >= 1000000"#
)]
fn pdf_or_big(_event: RawEvent) {}

#[on_event(
    "aws.sns",
    when = r#"Records[0].Sns.Message.NewStateValue in ["ALARM", "INSUFFICIENT_DATA"]"#
)]
fn sns_alarm(_event: RawEvent) {}

#[on_event(default)]
fn fallback(_event: RawEvent) {}

fn chosen(json: &str) -> Vec<&'static str> {
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    let classification = classify(json.as_bytes()).unwrap();
    match dispatcher.select(&classification, json) {
        Selection::Run(handlers) => handlers.iter().map(|h| h.name).collect(),
        other => panic!("{other:?}"),
    }
}

fn eventbridge(source: &str, detail_type: &str, detail: &str) -> String {
    format!(r#"{{"source":"{source}","detail-type":"{detail_type}","detail":{detail}}}"#)
}

#[test]
fn eventbridge_shorthands_and_conditions() {
    assert_eq!(
        chosen(&eventbridge(
            "aws.ec2",
            "EC2 Instance State-change Notification",
            "{}"
        )),
        ["ec2_state"]
    );
    assert_eq!(
        chosen(&eventbridge(
            "aws.ec2",
            "EC2 Spot Instance Interruption Warning",
            "{}"
        )),
        ["any_ec2"]
    );
    let alarm = r#"{"state":{"value":"ALARM"},"previousState":{"value":"OK"}}"#;
    assert_eq!(
        chosen(&eventbridge(
            "aws.cloudwatch",
            "CloudWatch Alarm State Change",
            alarm
        )),
        ["alarm_raised"]
    );
    let back_to_ok = r#"{"state":{"value":"OK"},"previousState":{"value":"ALARM"}}"#;
    assert_eq!(
        chosen(&eventbridge(
            "aws.cloudwatch",
            "CloudWatch Alarm State Change",
            back_to_ok
        )),
        ["any_eventbridge"]
    );
}

#[test]
fn cloudevent_shorthands_with_prefixes() {
    let ce = |source: &str, ty: &str, subject: &str| {
        format!(r#"{{"specversion":"1.0","id":"1","source":"{source}","type":"{ty}","subject":"{subject}"}}"#)
    };
    assert_eq!(
        chosen(&ce("/orders", "com.example.order.shipped", "a")),
        ["order_events"]
    );
    // Both match at rank 0 with two tests each: the path decides.
    assert_eq!(
        chosen(&ce("/orders", "com.example.order.created", "vip-1")),
        ["order_events"]
    );
    assert_eq!(
        chosen(&ce("/shop", "com.example.order.created", "vip-1")),
        ["vip_order_created"]
    );
    assert_eq!(
        chosen(&ce("/shop", "com.example.order.created", "regular")),
        ["fallback"]
    );
}

#[test]
fn google_cloud_storage_events_through_eventarc_route_as_cloudevents() {
    let gcs = r#"{"specversion":"1.0","id":"9","source":"//storage.googleapis.com/projects/_/buckets/shop-uploads",
        "type":"google.cloud.storage.object.v1.finalized","subject":"objects/invoice-9.pdf","time":"2026-11-02T10:00:00Z",
        "datacontenttype":"application/json","data":{"bucket":"shop-uploads","name":"invoice-9.pdf"}}"#;
    assert_eq!(chosen(gcs), ["gcs_object"]);
}

#[test]
fn iot_events_event_name() {
    assert_eq!(chosen(r#"{"event":{"eventName":"myChargedEvent"}}"#), ["charged"]);
    assert_eq!(chosen(r#"{"event":{"eventName":"other"}}"#), ["fallback"]);
}

#[test]
fn when_conditions_on_record_fields_and_embedded_json() {
    let s3 = |key: &str, size: u64| {
        format!(
            r#"{{"Records":[{{"eventSource":"aws:s3","s3":{{"object":{{"key":"{key}","size":{size}}}}}}}]}}"#
        )
    };
    assert_eq!(chosen(&s3("a.pdf", 1)), ["pdf_or_big"]);
    assert_eq!(chosen(&s3("a.epub", 2_000_000)), ["pdf_or_big"]);
    assert_eq!(chosen(&s3("a.epub", 1)), ["fallback"]);
    let sns = |state: &str| {
        format!(
            r#"{{"Records":[{{"EventSource":"aws:sns","Sns":{{"Message":"{{\"NewStateValue\":\"{state}\"}}"}}}}]}}"#
        )
    };
    assert_eq!(chosen(&sns("ALARM")), ["sns_alarm"]);
    assert_eq!(chosen(&sns("OK")), ["fallback"]);
}

#[test]
fn routes_are_listed_in_priority_order_with_their_conditions() {
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    let listed: Vec<(String, String)> = dispatcher
        .handlers()
        .iter()
        .map(|h| (h.name.to_owned(), h.conditions()))
        .collect();
    let position = |name: &str| listed.iter().position(|(n, _)| n == name).unwrap();
    assert!(
        position("alarm_raised") < position("ec2_state"),
        "3 tests before 2: {listed:?}"
    );
    assert!(position("ec2_state") < position("any_ec2"));
    assert!(position("any_ec2") < position("any_eventbridge"), "rank -1 last");
    assert_eq!(
        listed[position("ec2_state")].1,
        r#"source == "aws.ec2" && detail-type == "EC2 Instance State-change Notification""#
    );
    assert_eq!(
        listed[position("order_events")].1,
        r#"source == "/orders" && starts_with(type, "com.example.order.")"#
    );
}
