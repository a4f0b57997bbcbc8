//! The shared corpus of real sample events (`CLOUD_EVENTS_CORPUS`): every file listed in its
//! `labels.tsv` (and `labels-pending.tsv`) must classify to the expected route key; files that
//! are no event (responses, fragments, custom inputs) are labelled `unclassified`.

use cloud_events_core::classify;
use cloud_events_tests::corpus;
use std::collections::BTreeMap;

/// One row of `labels.tsv`.
struct Label {
    path: String,
    expected: String,
}

/// The rows of `labels.tsv`, and of `labels-pending.tsv` (files whose kinds the classifier
/// learnt before the corpus's next update moves them into `labels.tsv`) where it exists.
fn labels(corpus: &std::path::Path) -> Vec<Label> {
    let mut text = std::fs::read_to_string(corpus.join("labels.tsv")).expect("labels.tsv is readable");
    if let Ok(pending) = std::fs::read_to_string(corpus.join("labels-pending.tsv")) {
        text.push('\n');
        text.extend(pending.lines().skip(1).map(|line| format!("{line}\n")));
    }
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut columns = line.split('\t');
            let path = columns.next().unwrap_or_default().to_owned();
            let expected = columns.next().unwrap_or_default().to_owned();
            Label { path, expected }
        })
        .collect()
}

#[test]
fn every_labelled_corpus_file_classifies_to_its_label() {
    let Some(corpus) = corpus() else {
        eprintln!("CLOUD_EVENTS_CORPUS is not set: corpus test skipped");
        return;
    };
    let labels = labels(&corpus);
    assert!(!labels.is_empty(), "labels.tsv lists no files");
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for label in &labels {
        let bytes = std::fs::read(corpus.join(&label.path)).expect("corpus file is readable");
        let got = match classify(&bytes) {
            Ok(classification) => classification.route_key().to_owned(),
            Err(error) if label.expected == "invalid-cloudevent" => {
                assert!(
                    error.to_string().starts_with("invalid CloudEvent"),
                    "{}: {error}",
                    label.path
                );
                "invalid-cloudevent".to_owned()
            }
            Err(error) => format!("error: {error}"),
        };
        // Stopping at the first decisive marker (the Lambda path) gives the same answer.
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(raw) =
                serde_json::value::RawValue::from_string(text.trim_start_matches('\u{feff}').to_owned())
        {
            assert_eq!(
                cloud_events_core::classify_json(&raw).map_err(|e| e.to_string()),
                classify(&bytes).map_err(|e| e.to_string()),
                "{}: classify_json and classify disagree",
                label.path
            );
        }
        let entry = tally.entry(label.expected.clone()).or_default();
        entry.0 += 1;
        if got == label.expected {
            entry.1 += 1;
        } else {
            mismatches.push(format!("{}: expected {}, got {got}", label.path, label.expected));
        }
    }
    println!("corpus: {} files", labels.len());
    for (key, (total, right)) in &tally {
        println!("  {key:<32} {right}/{total}");
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} misclassified:\n{}",
        mismatches.len(),
        labels.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_classified_corpus_event_adapts_into_valid_cloudevents() {
    let Some(corpus) = corpus() else {
        eprintln!("CLOUD_EVENTS_CORPUS is not set: corpus test skipped");
        return;
    };
    let mut failures = Vec::new();
    let mut adapted = 0;
    for label in labels(&corpus) {
        let Ok(json) = std::fs::read_to_string(corpus.join(&label.path)) else {
            continue;
        };
        let Ok(classification) = cloud_events_core::classify_str(&json) else {
            continue;
        };
        if classification.kind().is_none() {
            continue;
        }
        match cloud_events_core::adapt::adapt(&json, &classification) {
            Ok(events) => {
                for event in events {
                    let bytes = serde_json::to_vec(&event).unwrap();
                    match cloud_events_core::CloudEvent::<serde_json::Value>::from_json(&bytes) {
                        Ok(_) => adapted += 1,
                        Err(error) => failures.push(format!("{}: {error}", label.path)),
                    }
                }
            }
            Err(error) => failures.push(format!("{}: {error}", label.path)),
        }
    }
    println!("corpus: {adapted} CloudEvents adapted");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
