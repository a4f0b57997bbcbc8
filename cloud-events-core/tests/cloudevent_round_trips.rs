//! Any valid CloudEvent survives structured mode, binary mode (HTTP and Kafka) and typed
//! decoding unchanged.

use cloud_events_core::CloudEvent;
use cloud_events_core::cloudevent::{Binding, SpecVersion};
use proptest::prelude::*;
use serde_json::{Value, json};

fn time() -> impl Strategy<Value = String> {
    (
        1970u32..2100,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        prop::option::of(0u32..1000),
    )
        .prop_map(|(y, mo, d, h, mi, s, ms)| match ms {
            Some(ms) => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"),
            None => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+01:00"),
        })
}

fn data() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

prop_compose! {
    fn event()(
        id in "\\PC{1,20}",
        source in "(/[a-z0-9._~-]{1,8}){1,3}|urn:[a-z]{1,5}:[a-z0-9]{1,8}",
        ty in "[a-z]{1,8}(\\.[a-z]{1,8}){0,3}",
        subject in prop::option::of("\\PC{1,16}"),
        time in prop::option::of(time()),
        extensions in prop::collection::btree_map("[a-z][a-z0-9]{0,19}", "\\PC{0,10}", 0..3),
        // Binary mode cannot tell empty data from none (both are an empty body): at least a byte.
        payload in prop_oneof![data().prop_map(Ok), prop::collection::vec(any::<u8>(), 1..32).prop_map(Err)],
    ) -> CloudEvent {
        let reserved = ["specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time", "data"];
        let mut event = CloudEvent::new(source, ty, Value::Null).unwrap().with_id(id).unwrap();
        event.time = time;
        event.subject = subject;
        for (name, value) in extensions {
            if !reserved.contains(&name.as_str()) {
                event = event.with_extension(name, value).unwrap();
            }
        }
        match payload {
            Ok(data) => {
                event.datacontenttype = Some("application/json".into());
                event.data = Some(data);
            }
            Err(bytes) => {
                event.datacontenttype = Some("application/octet-stream".into());
                event.data = None;
                event.data_base64 = Some(bytes);
            }
        }
        event
    }
}

proptest! {
    #[test]
    fn structured_json_round_trips(event in event()) {
        let json = serde_json::to_vec(&event).unwrap();
        prop_assert_eq!(CloudEvent::from_json(&json).unwrap(), event.clone());
        for binding in [Binding::Http, Binding::Kafka] {
            let message = event.to_structured(binding).unwrap();
            prop_assert_eq!(CloudEvent::from_message(binding, &message).unwrap(), event.clone());
        }
    }

    #[test]
    fn binary_mode_round_trips(event in event()) {
        for binding in [Binding::Http, Binding::Kafka] {
            let message = event.to_binary(binding).unwrap();
            let again = CloudEvent::from_message(binding, &message).unwrap();
            prop_assert_eq!(again, event.clone());
        }
    }

    #[test]
    fn typed_data_round_trips(n in any::<i64>(), name in "\\PC{0,16}") {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Order { n: i64, name: String }
        let event = CloudEvent::new("/orders", "order", Order { n, name: name.clone() }).unwrap();
        let json = serde_json::to_vec(&event).unwrap();
        let typed: CloudEvent<Order> = CloudEvent::from_json(&json).unwrap();
        prop_assert_eq!(typed.data, Some(Order { n, name }));
        prop_assert_eq!(typed.specversion, SpecVersion::V10);
    }
}

#[test]
fn a_batch_of_built_events_reads_back() {
    let events: Vec<CloudEvent> = (0..3)
        .map(|i| CloudEvent::new("/s", "t", json!({"i": i})).unwrap())
        .collect();
    let batch = serde_json::to_vec(&events).unwrap();
    assert_eq!(CloudEvent::from_batch(&batch).unwrap(), events);
}
