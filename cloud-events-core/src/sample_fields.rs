//! The field names a kind's events have, as its sample event shows them: at the top level,
//! and in each record of a `Records` batch. The attributes check `when` paths against them
//! (a path that starts from a misspelt field, or from the wrong level, can never hold).
//!
//! The samples are this project's own files (`samples/`), valid JSON (tests parse each one):
//! reading their keys needs only to tell strings and nesting apart.

use crate::kinds::Kind;

/// A kind's field names, from its sample: what `when` paths are checked against at compile time.
///
/// ```
/// use cloud_events_core::{Kind, SampleFields};
/// let SampleFields { event, record } = Kind::S3.sample_fields();
/// assert_eq!(event, ["Records"]);
/// assert!(record.unwrap().contains(&"s3".to_owned()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFields {
    /// The keys of the event's top-level object (empty if the sample is not an object).
    pub event: Vec<String>,
    /// The keys of the first record of its top-level `Records` array, if it has one.
    pub record: Option<Vec<String>>,
}

impl Kind {
    /// The field names of this kind's events, as its sample shows them.
    ///
    /// ```
    /// use cloud_events_core::Kind;
    /// let sqs = Kind::Sqs.sample_fields();
    /// assert_eq!(sqs.event, ["Records"]);
    /// assert!(sqs.record.unwrap().contains(&"body".to_owned()));
    /// assert!(Kind::EventBridge.sample_fields().event.contains(&"detail-type".to_owned()));
    /// assert_eq!(Kind::EventBridge.sample_fields().record, None);
    /// ```
    pub fn sample_fields(self) -> SampleFields {
        let sample = self.sample();
        let event = keys_of_object(sample).unwrap_or_default();
        let record = value_of_key(sample, "Records")
            .and_then(first_element)
            .and_then(keys_of_object);
        SampleFields { event, record }
    }
}

/// The field of `fields` closest to `name`, if it is close enough to be a typo of it.
///
/// ```
/// use cloud_events_core::closest_field;
/// let fields = ["Records".to_owned(), "detail".to_owned()];
/// assert_eq!(closest_field("Recrods", &fields), Some("Records"));
/// assert_eq!(closest_field("detial", &fields), Some("detail"));
/// assert_eq!(closest_field("account", &fields), None);
/// ```
pub fn closest_field<'a>(name: &str, fields: &'a [String]) -> Option<&'a str> {
    // A field name is not from a closed set (an event may have fields its sample lacks): only
    // a slip of one or two characters counts as a typo.
    let limit = if name.chars().count() <= 5 { 1 } else { 2 };
    fields
        .iter()
        .map(|field| (typo_distance(&name.to_lowercase(), &field.to_lowercase()), field))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, field)| field.as_str())
}

/// Edits (insertion, deletion, substitution, or two neighbours swapped) from `a` to `b`.
fn typo_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// One JSON value at the start of `text` (after blanks): its text, and the rest after it.
fn split_value(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &byte) in bytes.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        return Some((&text[..=i], &text[i + 1..]));
                    }
                }
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => return Some((&text[..i], &text[i..])),
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&text[..=i], &text[i + 1..]));
                }
            }
            b',' if depth == 0 => return Some((&text[..i], &text[i..])),
            _ => {}
        }
    }
    (depth == 0 && !in_string).then_some((text, ""))
}

/// The members of the object `text` is: each key as written (the samples' keys hold no
/// escapes) with its value's text.
fn members(text: &str) -> Option<Vec<(&str, &str)>> {
    let mut rest = text.trim().strip_prefix('{')?;
    let mut members = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return after.trim().is_empty().then_some(members);
        }
        let (key, after) = split_value(rest)?;
        let key = key.strip_prefix('"')?.strip_suffix('"')?;
        let after = after.trim_start().strip_prefix(':')?;
        let (value, after) = split_value(after)?;
        members.push((key, value.trim()));
        rest = after.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn keys_of_object(text: &str) -> Option<Vec<String>> {
    Some(
        members(text)?
            .into_iter()
            .map(|(key, _)| key.to_owned())
            .collect(),
    )
}

fn value_of_key<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    members(text)?
        .into_iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn first_element(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix('[')?;
    let (first, _) = split_value(inner)?;
    (!first.trim().is_empty()).then_some(first)
}

#[cfg(all(test, feature = "events"))]
mod tests {
    use super::*;

    #[test]
    fn the_fields_are_those_serde_json_reads_in_every_sample() {
        for kind in Kind::ALL {
            let parsed: serde_json::Value = serde_json::from_str(kind.sample()).unwrap();
            let fields = kind.sample_fields();
            let expected: Vec<String> = parsed
                .as_object()
                .map(|object| object.keys().cloned().collect())
                .unwrap_or_default();
            let mut event = fields.event.clone();
            event.sort();
            let mut expected_sorted = expected.clone();
            expected_sorted.sort();
            assert_eq!(event, expected_sorted, "{kind}");
            let record: Option<Vec<String>> = parsed
                .get("Records")
                .and_then(|records| records.get(0))
                .and_then(|record| record.as_object())
                .map(|object| object.keys().cloned().collect());
            let sorted = |fields: Option<Vec<String>>| {
                fields.map(|mut fields| {
                    fields.sort();
                    fields
                })
            };
            assert_eq!(sorted(fields.record), sorted(record), "{kind}");
        }
    }
}
