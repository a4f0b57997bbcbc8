//! `when` paths against the fields the route's events have, where the kind's sample shows
//! them: a path that starts from a misspelt field, or from the wrong level (the whole event
//! for a handler called per record, or a record's field for one called per event), can never
//! hold, and is a compile error that says which path to write.

use crate::event_param::{deliveries_of, shape};
use cloud_events_core::condition::{Condition, Path, Segment};
use cloud_events_core::{Kind, Receives, closest_field};
use syn::{LitStr, Type};

/// Checks the paths of `when` for a handler of `kind` taking `event`.
pub fn check_when(when: &LitStr, kind: Kind, event: &Type) -> syn::Result<()> {
    let Ok(condition) = Condition::parse(&when.value()) else {
        return Ok(()); // reported by the attribute's parser
    };
    let mut paths = Vec::new();
    collect_paths(&condition, &mut paths);
    check_paths(&paths, when, "`when`", kind, event)
}

/// Checks one path the handler's attribute names (`idempotent(key = "...")`), called `what`.
pub fn check_path(text: &LitStr, what: &str, kind: Kind, event: &Type) -> syn::Result<()> {
    let Ok(path) = Path::parse(&text.value()) else {
        return Ok(()); // reported by the attribute's parser
    };
    check_paths(&[&path], text, what, kind, event)
}

/// How a handler taking `event` receives `kind`'s events, where the framework knows the type.
pub fn receives(kind: Kind, event: &Type) -> Option<Receives> {
    let shape = shape(event)?;
    if shape == "RawEvent" || shape == "Value" {
        return Some(Receives::WholeEvent);
    }
    deliveries_of(kind, &shape)
        .first()
        .map(|delivered| delivered.receives)
}

/// Checks `paths`, written in the literal `lit` as `what`'s, against `kind`'s sample fields.
fn check_paths(paths: &[&Path], lit: &LitStr, what: &str, kind: Kind, event: &Type) -> syn::Result<()> {
    // A type the framework does not know: the compiler speaks for it.
    let Some(receives) = receives(kind, event) else {
        return Ok(());
    };
    let fields = kind.sample_fields();
    let record_types: Vec<String> = kind
        .delivers()
        .iter()
        .filter(|d| d.receives == Receives::EachRecord)
        .map(|d| format!("`{}`", d.ty))
        .collect();
    for path in paths.iter().copied() {
        let Some(Segment::Key(first)) = path.segments.first() else {
            continue;
        };
        let written = render(path);
        let message = match (receives, &fields.record) {
            (Receives::WholeEvent, record) => {
                if fields.event.is_empty() || fields.event.contains(first) {
                    continue;
                }
                if record.as_ref().is_some_and(|r| r.contains(first)) && !record_types.is_empty() {
                    format!(
                        "{what} path `{written}`: `{}` events have no top-level `{first}`, their records have; a handler taking `{}` is called once per event (write `Records[0].{written}` for its first record), one taking {} once per record, with {what} checked against each",
                        kind.key(),
                        event_text(event),
                        record_types.join(" or ")
                    )
                } else if let Some(field) = closest_field(first, &fields.event) {
                    format!(
                        "{what} path `{written}`: `{}` events have no field `{first}`; did you mean `{field}`?",
                        kind.key()
                    )
                } else {
                    continue;
                }
            }
            (Receives::EachRecord, Some(record)) => {
                if record.contains(first) {
                    continue;
                }
                if fields.event.contains(first) {
                    let from_record = match path.segments.get(1) {
                        Some(Segment::Index(_)) => render(&Path {
                            segments: path.segments[2..].to_vec(),
                        }),
                        _ => render(&Path {
                            segments: path.segments[1..].to_vec(),
                        }),
                    };
                    format!(
                        "{what} path `{written}`: a handler taking `{}` is called once per record, with {what} checked against each record: write the path from the record (`{from_record}`)",
                        event_text(event)
                    )
                } else if let Some(field) = closest_field(first, record) {
                    format!(
                        "{what} path `{written}`: `{}` records have no field `{first}`; did you mean `{field}`?",
                        kind.key()
                    )
                } else {
                    continue;
                }
            }
            (Receives::EachRecord, None) => continue,
        };
        return Err(syn::Error::new(lit.span(), message));
    }
    Ok(())
}

fn collect_paths<'a>(condition: &'a Condition, out: &mut Vec<&'a Path>) {
    match condition {
        Condition::And(a, b) | Condition::Or(a, b) => {
            collect_paths(a, out);
            collect_paths(b, out);
        }
        Condition::Not(inner) => collect_paths(inner, out),
        Condition::Compare(path, ..)
        | Condition::In(path, _)
        | Condition::Exists(path)
        | Condition::StartsWith(path, _)
        | Condition::EndsWith(path, _) => out.push(path),
    }
}

/// A path as written in a condition: `Records[0].s3.object.key`.
fn render(path: &Path) -> String {
    let mut text = String::new();
    for segment in &path.segments {
        match segment {
            Segment::Key(key) if text.is_empty() => text.push_str(key),
            Segment::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

fn event_text(event: &Type) -> String {
    crate::event_param::render(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(when: &str, kind: Kind, event: &str) -> Result<(), String> {
        let when = LitStr::new(when, proc_macro2::Span::call_site());
        check_when(&when, kind, &syn::parse_str(event).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn paths_the_events_have_pass() {
        assert_eq!(
            check(
                r#"ends_with(Records[0].s3.object.key, ".pdf")"#,
                Kind::S3,
                "S3Event"
            ),
            Ok(())
        );
        assert_eq!(check(r#"body.kind == "order""#, Kind::Sqs, "SqsMessage"), Ok(()));
        assert_eq!(check(r#"body.kind == "order""#, Kind::Sqs, "Json<Order>"), Ok(()));
        assert_eq!(
            check(r#"detail.state.value == "ALARM""#, Kind::EventBridge, "RawEvent"),
            Ok(())
        );
        // A field the sample does not show, and no typo of one: it may be there.
        assert_eq!(
            check("exists(replay-name)", Kind::EventBridge, "EventBridgeEvent"),
            Ok(())
        );
        // Unknown type: left alone.
        assert_eq!(check("exists(Recrods)", Kind::S3, "MyAlias"), Ok(()));
    }

    #[test]
    fn a_misspelt_field_is_named_with_the_fix() {
        let error = check(
            r#"ends_with(Recrods[0].s3.object.key, ".pdf")"#,
            Kind::S3,
            "S3Event",
        )
        .unwrap_err();
        assert_eq!(
            error,
            "`when` path `Recrods[0].s3.object.key`: `aws.s3` events have no field `Recrods`; did you mean `Records`?"
        );
        let error = check(r#"bdoy.kind == "x""#, Kind::Sqs, "SqsMessage").unwrap_err();
        assert!(
            error.ends_with("`aws.sqs` records have no field `bdoy`; did you mean `body`?"),
            "{error}"
        );
    }

    #[test]
    fn a_path_from_the_wrong_level_says_which_to_write() {
        let error = check(r#"Records[0].body == "x""#, Kind::Sqs, "SqsMessage").unwrap_err();
        assert!(
            error.ends_with("write the path from the record (`body`)"),
            "{error}"
        );
        let error = check(r#"body == "x""#, Kind::Sqs, "SqsEvent").unwrap_err();
        assert!(
            error.contains("`aws.sqs` events have no top-level `body`, their records have"),
            "{error}"
        );
        assert!(
            error.contains("write `Records[0].body` for its first record"),
            "{error}"
        );
    }
}
