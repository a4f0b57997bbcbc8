//! Our own samples and fixtures: one sample per kind (cloud-events-core/samples/), which must
//! classify to that kind and decode into the type it delivers; near misses, which must be `unclassified`; invalid inputs, which
//! must be errors.

use cloud_events_core::{Kind, RawEvent, UNCLASSIFIED, classify};
use cloud_events_tests::fixture;
use std::path::PathBuf;

fn files_in(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(folder))
        .unwrap_or_else(|e| panic!("fixtures/{folder}: {e}"))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_kind_has_a_fixture_that_classifies_to_it_and_decodes_into_its_type() {
    let mut failures = Vec::new();
    for kind in Kind::ALL {
        let bytes = kind.sample().as_bytes().to_vec();
        match classify(&bytes) {
            Ok(classification) if classification.kind() == Some(*kind) => {}
            Ok(classification) => failures.push(format!(
                "{}: classified as {}",
                kind.key(),
                classification.route_key()
            )),
            Err(error) => failures.push(format!("{}: {error}", kind.key())),
        }
        let event = RawEvent::new(String::from_utf8(bytes).unwrap());
        if let Err(error) = kind.check_decode(&event) {
            failures.push(format!(
                "{}: does not decode into {}: {error}",
                kind.key(),
                kind.event_type()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn samples_name_only_known_kinds() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cloud-events-core/samples");
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let key = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(Kind::from_key(&key).is_some(), "fixture for unknown key {key}");
    }
}

#[test]
fn near_misses_are_unclassified() {
    let files = files_in("near-miss");
    assert!(files.len() >= 12, "at least a dozen near misses");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let classification = classify(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(classification.route_key(), UNCLASSIFIED, "{}", path.display());
    }
}

#[test]
fn invalid_inputs_are_errors_that_say_what_is_wrong() {
    let files = files_in("invalid");
    assert!(!files.is_empty());
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let error = classify(&bytes)
            .expect_err(&path.display().to_string())
            .to_string();
        let name = path.file_name().unwrap().to_string_lossy();
        if name.starts_with("cloudevent-") {
            assert!(error.starts_with("invalid CloudEvent"), "{name}: {error}");
        } else {
            assert!(error.starts_with("invalid JSON at line"), "{name}: {error}");
        }
    }
}

#[test]
fn every_kind_adapts_into_valid_cloudevents() {
    use cloud_events_core::adapt::adapt;
    use cloud_events_core::{CloudEvent, classify_str};
    let mut failures = Vec::new();
    for kind in Kind::ALL {
        let json = kind.sample();
        let classification = classify_str(json).unwrap();
        let events = match adapt(json, &classification) {
            Ok(events) => events,
            Err(error) => {
                failures.push(format!("{}: {error}", kind.key()));
                continue;
            }
        };
        if events.is_empty() {
            failures.push(format!("{}: no CloudEvent", kind.key()));
        }
        for event in events {
            // Valid by every rule of the spec: it reads back from its own JSON.
            let json = serde_json::to_vec(&event).unwrap();
            if let Err(error) = CloudEvent::<serde_json::Value>::from_json(&json) {
                failures.push(format!("{}: {error}", kind.key()));
            }
            if *kind != Kind::CloudEvents
                && event.extensions.get("routekey").and_then(|v| v.as_str()) != Some(kind.key())
            {
                failures.push(format!("{}: routekey extension missing", kind.key()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Function URL events classify by their `lambda-url` domain, with or without `routeKey`
/// (published samples omit it); an HTTP API event without `routeKey` is still no event.
#[test]
fn function_url_events_classify_with_or_without_route_key() {
    let mut url: serde_json::Value = serde_json::from_str(Kind::LambdaUrl.sample()).unwrap();
    assert!(url.as_object_mut().unwrap().remove("routeKey").is_some());
    let json = url.to_string();
    assert_eq!(classify(json.as_bytes()).unwrap().kind(), Some(Kind::LambdaUrl));
    assert!(Kind::LambdaUrl.check_decode(&RawEvent::new(json)).is_ok());
    let mut http: serde_json::Value = serde_json::from_str(Kind::ApiGatewayV2.sample()).unwrap();
    assert_eq!(
        classify(http.to_string().as_bytes()).unwrap().kind(),
        Some(Kind::ApiGatewayV2)
    );
    http.as_object_mut().unwrap().remove("routeKey");
    assert_eq!(
        classify(http.to_string().as_bytes()).unwrap().route_key(),
        UNCLASSIFIED
    );
}
