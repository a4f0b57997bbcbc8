//! One invocation's metrics as CloudWatch Embedded Metric Format (EMF) documents: JSON
//! lines that CloudWatch Logs turns into metrics
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//!
//! The specification's rules, kept here so that no document is ever malformed:
//! - a metric's name has 1 to 255 characters, and is not a key the document already has at
//!   its root (`_aws`, `service`, one of its own labels);
//! - a document has at most 30 dimensions (the service and the metric's labels), named with
//!   1 to 255 ASCII characters not starting with `:`, with values of 1 to 1,024 characters;
//! - a document carries at most 100 metrics, and a metric at most 100 values: more are split
//!   across documents;
//! - values are finite numbers; units are CloudWatch's.
//!
//! A metric that breaks a rule is left out (a value that is not finite: that value), with a
//! [`Problem`] naming it, which the dispatcher logs as a warning.

use crate::recorder::{Series, Values};
use metrics::Unit;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::BTreeMap;

/// At most this many metrics in one document, and values for one metric.
pub(crate) const MAX_METRICS: usize = 100;
/// At most this many dimensions in one dimension set.
pub(crate) const MAX_DIMENSIONS: usize = 30;
/// The dimension every metric carries: the application's service name.
pub(crate) const SERVICE: &str = "service";
/// The property that names the invocation.
pub(crate) const REQUEST_ID: &str = "requestId";

/// A metric left out of the documents, or part of its values, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The metric's name, as recorded.
    pub(crate) metric: String,
    /// What is wrong with it, and what was done.
    pub(crate) why: String,
}

/// The documents of one invocation, one JSON object per line, and the problems met.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    pub(crate) lines: Vec<String>,
    pub(crate) problems: Vec<Problem>,
}

/// One metric's part of one document.
#[derive(Debug)]
struct Entry<'a> {
    name: &'a str,
    unit: Option<&'static str>,
    values: Numbers<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Numbers<'a> {
    Count(u64),
    Values(&'a [f64]),
}

/// Labels sorted by key: the dimensions (after `service`) of a document.
type Labels<'a> = Vec<(&'a str, &'a str)>;

/// What every document of an invocation carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp<'a> {
    /// The CloudWatch namespace.
    pub(crate) namespace: &'a str,
    /// The `service` dimension's value.
    pub(crate) service: &'a str,
    /// Milliseconds since the Unix epoch.
    pub(crate) timestamp_ms: u64,
    /// The invocation's request id: a property of the document (not a dimension), so that
    /// CloudWatch Logs Insights finds a metric's invocation and its log lines.
    pub(crate) request_id: &'a str,
}

/// The documents for `series`, stamped with `stamp`.
pub(crate) fn documents(series: &[Series], stamp: &Stamp<'_>) -> Documents {
    let mut problems = Vec::new();
    let mut finite: Vec<Vec<f64>> = Vec::new();
    // Kept series with their labels, and where their values are not all finite, the index
    // of the finite ones in `finite`.
    let mut kept: Vec<(Labels<'_>, &Series, Option<usize>)> = Vec::new();
    for one in series {
        let name = one.key.name();
        let mut labels: Labels<'_> = one.key.labels().map(|l| (l.key(), l.value())).collect();
        labels.sort_unstable();
        if let Some(why) = name_problem(name, &labels).or_else(|| labels_problem(&labels)) {
            problems.push(Problem {
                metric: name.to_owned(),
                why,
            });
            continue;
        }
        let own = own_values(&one.values);
        if own.iter().all(|value| value.is_finite()) {
            kept.push((labels, one, None));
            continue;
        }
        // Only the finite values go out: a copy of them.
        let values: Vec<f64> = own.iter().copied().filter(|value| value.is_finite()).collect();
        let recorded = own.len();
        let dropped = recorded - values.len();
        problems.push(Problem {
            metric: name.to_owned(),
            why: format!(
                "{dropped} of {recorded} values not finite (NaN or infinite): CloudWatch takes finite numbers only; {}",
                if values.is_empty() { "metric left out" } else { "those values left out" }
            ),
        });
        if values.is_empty() {
            continue;
        }
        finite.push(values);
        kept.push((labels, one, Some(finite.len() - 1)));
    }

    // In a stable order (the recorder's is a hash map's): by labels, then name.
    kept.sort_by(|a, b| (&a.0, a.1.key.name()).cmp(&(&b.0, b.1.key.name())));
    let mut packed: Vec<Packed<'_>> = Vec::new();
    for (labels, one, values) in kept {
        let (unit, unit_problem) = cloudwatch_unit(one.unit);
        if let Some(why) = unit_problem {
            problems.push(Problem {
                metric: one.key.name().to_owned(),
                why,
            });
        }
        let values = match (&one.values, values) {
            (Values::Counter(count), _) => {
                place(&mut packed, &labels, one.key.name(), unit, Numbers::Count(*count));
                continue;
            }
            (_, Some(at)) => &finite[at][..],
            (values, None) => own_values(values),
        };
        for chunk in values.chunks(MAX_METRICS) {
            place(&mut packed, &labels, one.key.name(), unit, Numbers::Values(chunk));
        }
    }

    let mut lines = Vec::with_capacity(packed.len());
    for doc in &packed {
        let document = Document { stamp, doc };
        // Sized for the usual document: written without growing.
        let mut line = Vec::with_capacity(256 + 96 * doc.count);
        match serde_json::to_writer(&mut line, &document) {
            // serde_json writes UTF-8 only.
            Ok(()) => lines.push(String::from_utf8(line).unwrap_or_default()),
            // Only reachable through a bug: every value here serialises.
            Err(error) => problems.push(Problem {
                metric: doc.names().collect::<Vec<_>>().join(", "),
                why: format!("document not written: {error}"),
            }),
        }
    }
    Documents { lines, problems }
}

/// Puts one metric's values (or a part of them) in the first document they fit in, or a
/// new one.
fn place<'a>(
    packed: &mut Vec<Packed<'a>>,
    labels: &Labels<'a>,
    name: &'a str,
    unit: Option<&'static str>,
    values: Numbers<'a>,
) {
    let entry = Entry { name, unit, values };
    match packed.iter_mut().find(|doc| doc.fits(labels, name)) {
        Some(doc) => doc.add(labels, entry),
        None => {
            let mut doc = Packed::default();
            doc.add(labels, entry);
            packed.push(doc);
        }
    }
}

/// One document being filled: metrics of several label sets share it as long as their
/// labels agree on every value and no name is both a dimension and a metric, one directive
/// per label set.
#[derive(Debug, Default)]
struct Packed<'a> {
    /// Every directive's labels: the dimension members of the root.
    root: BTreeMap<&'a str, &'a str>,
    /// By label set: the labels and the metrics.
    directives: Vec<(Labels<'a>, Vec<Entry<'a>>)>,
    /// Metrics in all directives.
    count: usize,
}

impl<'a> Packed<'a> {
    fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.directives
            .iter()
            .flat_map(|(_, entries)| entries.iter().map(|e| e.name))
    }

    fn fits(&self, labels: &Labels<'a>, name: &str) -> bool {
        self.count < MAX_METRICS
            && !self.root.contains_key(name)
            && self
                .names()
                .all(|known| known != name && labels.iter().all(|(key, _)| *key != known))
            && labels
                .iter()
                .all(|(key, value)| self.root.get(key).is_none_or(|known| known == value))
    }

    fn add(&mut self, labels: &Labels<'a>, entry: Entry<'a>) {
        self.root.extend(labels.iter().copied());
        self.count += 1;
        match self.directives.iter_mut().find(|(known, _)| known == labels) {
            Some((_, entries)) => entries.push(entry),
            None => self.directives.push((labels.clone(), vec![entry])),
        }
    }
}

/// A gauge's or histogram's values as recorded (none for a counter).
fn own_values(values: &Values) -> &[f64] {
    match values {
        Values::Counter(_) => &[],
        Values::Gauge(value) => std::slice::from_ref(value),
        Values::Histogram(values) => values,
    }
}

/// Characters in `text` (counted only if it is not ASCII).
fn char_count(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// What is wrong with a metric's name, if anything.
fn name_problem(name: &str, labels: &Labels<'_>) -> Option<String> {
    let length = char_count(name);
    if length == 0 || length > 255 {
        return Some(format!(
            "metric name has {length} characters: CloudWatch takes 1 to 255; metric left out"
        ));
    }
    if name == "_aws" || name == SERVICE || name == REQUEST_ID || labels.iter().any(|(key, _)| *key == name) {
        return Some(format!(
            "metric name `{name}` is also a dimension or a key every document has (`_aws`, `service`, `requestId`): rename the metric; metric left out"
        ));
    }
    None
}

/// What is wrong with a metric's labels (its dimensions), if anything.
fn labels_problem(labels: &Labels<'_>) -> Option<String> {
    if labels.len() + 1 > MAX_DIMENSIONS {
        return Some(format!(
            "{} labels and the service make {} dimensions: CloudWatch takes at most {MAX_DIMENSIONS}; metric left out",
            labels.len(),
            labels.len() + 1
        ));
    }
    for (key, value) in labels {
        let length = char_count(key);
        if length == 0 || length > 255 || !key.is_ascii() || key.starts_with(':') {
            return Some(format!(
                "label `{key}`: a dimension name has 1 to 255 ASCII characters and does not start with `:`; metric left out"
            ));
        }
        if *key == SERVICE || *key == "_aws" || *key == REQUEST_ID {
            return Some(format!(
                "label `{key}`: the name is taken (every document has `_aws`, `service` and `requestId`); rename the label; metric left out"
            ));
        }
        let length = char_count(value);
        if length == 0 || length > 1024 {
            return Some(format!(
                "label `{key}` has a value of {length} characters: a dimension value has 1 to 1,024; metric left out"
            ));
        }
    }
    None
}

/// The CloudWatch unit for a `metrics` unit, and a problem if it has none.
fn cloudwatch_unit(unit: Option<Unit>) -> (Option<&'static str>, Option<String>) {
    let unit = match unit {
        None => return (None, None),
        Some(unit) => unit,
    };
    let name = match unit {
        Unit::Count => "Count",
        Unit::Percent => "Percent",
        Unit::Seconds => "Seconds",
        Unit::Milliseconds => "Milliseconds",
        Unit::Microseconds => "Microseconds",
        Unit::Bytes => "Bytes",
        Unit::Kibibytes => "Kilobytes",
        Unit::Mebibytes => "Megabytes",
        Unit::Gibibytes => "Gigabytes",
        Unit::Tebibytes => "Terabytes",
        Unit::BitsPerSecond => "Bits/Second",
        Unit::KilobitsPerSecond => "Kilobits/Second",
        Unit::MegabitsPerSecond => "Megabits/Second",
        Unit::GigabitsPerSecond => "Gigabits/Second",
        Unit::TerabitsPerSecond => "Terabits/Second",
        Unit::CountPerSecond => "Count/Second",
        Unit::Nanoseconds => {
            return (
                Some("None"),
                Some("unit nanoseconds: CloudWatch has no such unit; sent without a unit (record microseconds instead)".to_owned()),
            );
        }
    };
    (Some(name), None)
}

/// One document: the `_aws` metadata, the dimensions' values, then the metrics' values.
struct Document<'a> {
    stamp: &'a Stamp<'a>,
    doc: &'a Packed<'a>,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let doc = self.doc;
        let mut map = serializer.serialize_map(Some(3 + doc.root.len() + doc.count))?;
        map.serialize_entry("_aws", &Metadata(self))?;
        map.serialize_entry(SERVICE, self.stamp.service)?;
        map.serialize_entry(REQUEST_ID, self.stamp.request_id)?;
        for (key, value) in &doc.root {
            map.serialize_entry(key, value)?;
        }
        for (_, entries) in &doc.directives {
            for entry in entries {
                match entry.values {
                    Numbers::Count(count) => map.serialize_entry(entry.name, &count)?,
                    Numbers::Values([one]) => map.serialize_entry(entry.name, one)?,
                    Numbers::Values(values) => map.serialize_entry(entry.name, values)?,
                }
            }
        }
        map.end()
    }
}

/// `{"Timestamp": .., "CloudWatchMetrics": [{"Namespace", "Dimensions", "Metrics"}, ..]}`.
struct Metadata<'a>(&'a Document<'a>);

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let document = self.0;
        let directives: Vec<Directive<'_>> = document
            .doc
            .directives
            .iter()
            .map(|(labels, entries)| Directive {
                namespace: document.stamp.namespace,
                labels,
                entries,
            })
            .collect();
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Timestamp", &document.stamp.timestamp_ms)?;
        map.serialize_entry("CloudWatchMetrics", &directives)?;
        map.end()
    }
}

/// The metrics of one label set, and its one dimension set.
struct Directive<'a> {
    namespace: &'a str,
    labels: &'a Labels<'a>,
    entries: &'a [Entry<'a>],
}

impl Serialize for Directive<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("Namespace", self.namespace)?;
        map.serialize_entry("Dimensions", &[DimensionSet(self.labels)])?;
        map.serialize_entry("Metrics", &MetricList(self.entries))?;
        map.end()
    }
}

struct DimensionSet<'a>(&'a Labels<'a>);

impl Serialize for DimensionSet<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(1 + self.0.len()))?;
        seq.serialize_element(SERVICE)?;
        for (key, _) in self.0 {
            seq.serialize_element(key)?;
        }
        seq.end()
    }
}

struct MetricList<'a>(&'a [Entry<'a>]);

impl Serialize for MetricList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for entry in self.0 {
            seq.serialize_element(&MetricDefinition(entry))?;
        }
        seq.end()
    }
}

struct MetricDefinition<'a>(&'a Entry<'a>);

impl Serialize for MetricDefinition<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entry = self.0;
        let mut map = serializer.serialize_map(Some(1 + usize::from(entry.unit.is_some())))?;
        map.serialize_entry("Name", entry.name)?;
        if let Some(unit) = entry.unit {
            map.serialize_entry("Unit", unit)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics::{Key, Label};
    use serde_json::{Value, json};

    fn series(name: &str, labels: &[(&str, &str)], values: Values) -> Series {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(k, v)| Label::new(k.to_string(), v.to_string()))
            .collect();
        Series {
            key: Key::from_parts(name.to_owned(), labels),
            unit: None,
            values,
        }
    }

    fn stamp(timestamp_ms: u64) -> Stamp<'static> {
        Stamp {
            namespace: "N",
            service: "s",
            timestamp_ms,
            request_id: "req-1",
        }
    }

    fn parse(documents: &Documents) -> Vec<Value> {
        documents
            .lines
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn a_counter_and_a_histogram_share_a_document_with_their_dimensions() {
        let mut latency = series(
            "Latency",
            &[("route", "aws.s3")],
            Values::Histogram(vec![1.5, 2.0]),
        );
        latency.unit = Some(Unit::Milliseconds);
        let uploads = series("Uploads", &[("route", "aws.s3")], Values::Counter(3));
        let documents = documents(
            &[latency, uploads],
            &Stamp {
                namespace: "Books",
                service: "books",
                timestamp_ms: 1_764_000_000_000,
                request_id: "req-7",
            },
        );
        assert!(documents.problems.is_empty(), "{:?}", documents.problems);
        assert_eq!(
            parse(&documents),
            [json!({
                "_aws": {
                    "Timestamp": 1_764_000_000_000u64,
                    "CloudWatchMetrics": [{
                        "Namespace": "Books",
                        "Dimensions": [["service", "route"]],
                        "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}, {"Name": "Uploads"}],
                    }],
                },
                "service": "books",
                "requestId": "req-7",
                "route": "aws.s3",
                "Latency": [1.5, 2.0],
                "Uploads": 3,
            })]
        );
    }

    #[test]
    fn label_sets_share_a_document_unless_their_values_differ() {
        let a = series("Events", &[("route", "aws.s3")], Values::Counter(1));
        let b = series("Events", &[("route", "aws.sqs")], Values::Counter(2));
        let c = series("Other", &[], Values::Gauge(0.5));
        let documents = parse(&documents(&[a, b, c], &stamp(0)));
        assert_eq!(documents.len(), 2);
        // `Other` (no labels) and the first `Events`: one document, a directive each.
        assert_eq!(documents[0]["Other"], 0.5);
        assert_eq!(
            (&documents[0]["Events"], &documents[0]["route"]),
            (&json!(1), &json!("aws.s3"))
        );
        let directives = &documents[0]["_aws"]["CloudWatchMetrics"];
        assert_eq!(directives[0]["Dimensions"], json!([["service"]]));
        assert_eq!(directives[0]["Metrics"], json!([{"Name": "Other"}]));
        assert_eq!(directives[1]["Dimensions"], json!([["service", "route"]]));
        assert_eq!(directives[1]["Metrics"], json!([{"Name": "Events"}]));
        // The other route's value cannot share the `route` member.
        assert_eq!(
            (&documents[1]["Events"], &documents[1]["route"]),
            (&json!(2), &json!("aws.sqs"))
        );
    }

    #[test]
    fn a_metric_named_like_another_metrics_dimension_goes_to_another_document() {
        let route = series("route", &[], Values::Counter(1));
        let events = series("Events", &[("route", "aws.s3")], Values::Counter(1));
        let documents = parse(&documents(&[route, events], &stamp(0)));
        assert_eq!(documents.len(), 2);
        assert!(
            documents
                .iter()
                .all(|d| d["route"].is_string() != d["route"].is_number())
        );
    }

    #[test]
    fn more_than_100_metrics_are_split_across_documents() {
        let many: Vec<Series> = (0..250)
            .map(|i| series(&format!("M{i:03}"), &[], Values::Counter(i)))
            .collect();
        let documents = parse(&documents(&many, &stamp(0)));
        let sizes: Vec<usize> = documents
            .iter()
            .map(|d| {
                d["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(sizes, [100, 100, 50]);
        let mut seen: Vec<u64> = documents
            .iter()
            .flat_map(|d| {
                d["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| d[m["Name"].as_str().unwrap()].as_u64().unwrap())
                    .collect::<Vec<_>>()
            })
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..250).collect::<Vec<u64>>());
    }

    #[test]
    fn more_than_100_values_of_one_histogram_are_split_and_none_lost() {
        let values: Vec<f64> = (0..230).map(f64::from).collect();
        let documents = parse(&documents(
            &[series("Size", &[], Values::Histogram(values.clone()))],
            &stamp(0),
        ));
        let lengths: Vec<usize> = documents
            .iter()
            .map(|d| d["Size"].as_array().unwrap().len())
            .collect();
        assert_eq!(lengths, [100, 100, 30]);
        let all: Vec<f64> = documents
            .iter()
            .flat_map(|d| d["Size"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect();
        assert_eq!(all, values);
    }

    #[test]
    fn values_that_are_not_finite_are_left_out_with_a_warning_naming_the_metric() {
        let gauge = series("Ratio", &[], Values::Gauge(f64::NAN));
        let histogram = series("Latency", &[], Values::Histogram(vec![1.0, f64::INFINITY, 2.0]));
        let documents = documents(&[gauge, histogram], &stamp(0));
        let metrics: Vec<&str> = documents.problems.iter().map(|p| p.metric.as_str()).collect();
        assert_eq!(metrics, ["Ratio", "Latency"]);
        assert!(documents.problems[0].why.contains("metric left out"));
        assert!(documents.problems[1].why.contains("1 of 3 values"));
        let parsed = parse(&documents);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0]["Latency"], json!([1.0, 2.0]));
        assert!(parsed[0].get("Ratio").is_none());
    }

    #[test]
    fn names_and_dimensions_that_break_the_rules_are_left_out_with_a_warning() {
        let long = "x".repeat(256);
        let labels: Vec<(String, String)> = (0..30).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let cases = [
            series(&long, &[], Values::Counter(1)),
            series("", &[], Values::Counter(1)),
            series("service", &[], Values::Counter(1)),
            series("route", &[("route", "aws.s3")], Values::Counter(1)),
            series("Wide", &labels, Values::Counter(1)),
            series("Colon", &[(":k", "v")], Values::Counter(1)),
            series("Taken", &[("service", "other")], Values::Counter(1)),
            series("Empty", &[("k", "")], Values::Counter(1)),
        ];
        let ok = series("Fine", &labels[..29], Values::Counter(1));
        let mut all = cases.to_vec();
        all.push(ok);
        let documents = documents(&all, &stamp(0));
        assert_eq!(documents.problems.len(), cases.len(), "{:#?}", documents.problems);
        for (problem, case) in documents.problems.iter().zip(&cases) {
            assert_eq!(problem.metric, case.key.name());
            assert!(problem.why.ends_with("metric left out"), "{problem:?}");
        }
        let parsed = parse(&documents);
        assert_eq!(parsed.len(), 1);
        assert_eq!(
            parsed[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
                .as_array()
                .unwrap()
                .len(),
            30
        );
    }

    #[test]
    fn units_are_cloudwatch_units() {
        let mut sizes = series("Size", &[], Values::Counter(1));
        sizes.unit = Some(Unit::Kibibytes);
        let mut nanos = series("Nanos", &[], Values::Counter(1));
        nanos.unit = Some(Unit::Nanoseconds);
        let documents = documents(&[sizes, nanos], &stamp(0));
        assert_eq!(documents.problems.len(), 1);
        assert_eq!(documents.problems[0].metric, "Nanos");
        let parsed = parse(&documents);
        let units = &parsed[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"];
        assert_eq!(
            units,
            &json!([{"Name": "Nanos", "Unit": "None"}, {"Name": "Size", "Unit": "Kilobytes"}])
        );
    }

    #[test]
    fn a_name_recorded_as_two_kinds_goes_to_two_documents() {
        let counter = series("Both", &[], Values::Counter(2));
        let histogram = series("Both", &[], Values::Histogram(vec![7.0]));
        let parsed = parse(&documents(&[counter, histogram], &stamp(0)));
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0]["Both"], 2);
        assert_eq!(parsed[1]["Both"], 7.0);
    }
}
