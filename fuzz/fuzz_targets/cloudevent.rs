//! The CloudEvent readers on any input: structured JSON, a batch, and a binary-mode message
//! (HTTP and Kafka) whose headers are the input's first lines (`name: value`) up to an empty
//! line, the rest being the body. Never panics; what is read writes back out and reads again
//! to the same event.
#![no_main]

use cloud_events_core::cloudevent::{Binding, Message};
use cloud_events_core::CloudEvent;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = CloudEvent::<Value>::from_json(data) {
        for binding in [Binding::Http, Binding::Kafka] {
            if let Ok(message) = event.to_structured(binding) {
                let again = CloudEvent::<Value>::from_message(binding, &message)
                    .expect("a structured message written by us reads back");
                assert_eq!(again, event, "structured round trip");
            }
        }
    }
    let _ = CloudEvent::<Value>::from_batch(data);
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let headers: Vec<(String, String)> = String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let message = Message::new(headers, body);
    for binding in [Binding::Http, Binding::Kafka] {
        if let Ok(event) = CloudEvent::<Value>::from_message(binding, &message)
            && let Ok(binary) = event.to_binary(binding)
        {
            let again = CloudEvent::<Value>::from_message(binding, &binary)
                .expect("a binary message written by us reads back");
            assert_eq!(again, event, "binary round trip");
        }
    }
});
