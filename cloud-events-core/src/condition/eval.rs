//! Evaluating a condition against an event's JSON.

use super::{CompareOp, Condition, Literal, Path, Segment};
use serde_json::Value;
use std::borrow::Cow;

impl Condition {
    /// Whether the condition holds for `event`.
    ///
    /// ```
    /// use cloud_events_core::condition::Condition;
    /// let event = serde_json::json!({"detail": {"state": {"value": "ALARM"}}});
    /// assert!(Condition::parse(r#"detail.state.value == "ALARM""#).unwrap().holds(&event));
    /// ```
    pub fn holds(&self, event: &Value) -> bool {
        match self {
            Condition::And(a, b) => a.holds(event) && b.holds(event),
            Condition::Or(a, b) => a.holds(event) || b.holds(event),
            Condition::Not(c) => !c.holds(event),
            Condition::Compare(path, op, literal) => match path.resolve(event) {
                None => *op == CompareOp::Ne,
                Some(value) => compare(&value, *op, literal),
            },
            Condition::In(path, literals) => path.resolve(event).is_some_and(|value| {
                literals
                    .iter()
                    .any(|literal| compare(&value, CompareOp::Eq, literal))
            }),
            Condition::Exists(path) => path.resolve(event).is_some_and(|value| !value.is_null()),
            Condition::StartsWith(path, prefix) => path
                .resolve(event)
                .is_some_and(|value| value.as_str().is_some_and(|s| s.starts_with(prefix.as_str()))),
            Condition::EndsWith(path, suffix) => path
                .resolve(event)
                .is_some_and(|value| value.as_str().is_some_and(|s| s.ends_with(suffix.as_str()))),
        }
    }
}

fn compare(value: &Value, op: CompareOp, literal: &Literal) -> bool {
    let equal = match (value, literal) {
        (Value::String(a), Literal::String(b)) => a == b,
        (Value::Number(a), Literal::Number(b)) => a.as_f64() == Some(*b),
        (Value::Bool(a), Literal::Bool(b)) => a == b,
        (Value::Null, Literal::Null) => true,
        _ => false,
    };
    match op {
        CompareOp::Eq => equal,
        CompareOp::Ne => !equal,
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
            let (Some(a), Literal::Number(b)) = (value.as_f64(), literal) else {
                return false;
            };
            match op {
                CompareOp::Lt => a < *b,
                CompareOp::Le => a <= *b,
                CompareOp::Gt => a > *b,
                _ => a >= *b,
            }
        }
    }
}

impl Path {
    /// The value at this path, reading through strings that hold JSON.
    ///
    /// ```
    /// use cloud_events_core::condition::Path;
    /// let event: serde_json::Value = serde_json::from_str(cloud_events_core::Kind::Sns.sample()).unwrap();
    /// // `Message` is a string holding JSON: the path reads into it.
    /// let carrier = Path::parse("Records[0].Sns.Message.carrier").unwrap();
    /// assert_eq!(*carrier.resolve(&event).unwrap(), "DHL");
    /// assert!(Path::parse("Records[1]").unwrap().resolve(&event).is_none());
    /// ```
    pub fn resolve<'a>(&self, root: &'a Value) -> Option<Cow<'a, Value>> {
        let mut current: Cow<'a, Value> = Cow::Borrowed(root);
        for segment in &self.segments {
            if let Value::String(text) = current.as_ref() {
                // SNS messages and SQS bodies carry JSON as a string: step into it.
                current = Cow::Owned(serde_json::from_str(text).ok()?);
            }
            current = match (current, segment) {
                (Cow::Borrowed(value), Segment::Key(key)) => Cow::Borrowed(value.get(key.as_str())?),
                (Cow::Borrowed(value), Segment::Index(index)) => Cow::Borrowed(value.get(*index)?),
                (Cow::Owned(value), Segment::Key(key)) => Cow::Owned(value.get(key.as_str())?.clone()),
                (Cow::Owned(value), Segment::Index(index)) => Cow::Owned(value.get(*index)?.clone()),
            };
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(condition: &str, event: &Value) -> bool {
        Condition::parse(condition).unwrap().holds(event)
    }

    #[test]
    fn each_operator_against_present_absent_and_mistyped_values() {
        let e = json!({"n": 5, "s": "alarm-high", "b": true, "z": null, "list": [1, {"k": "v"}], "detail-type": "Scheduled Event"});
        assert!(holds("n == 5", &e) && !holds("n == 6", &e));
        assert!(holds("n != 6", &e) && !holds("n != 5", &e));
        assert!(holds("n < 6", &e) && !holds("n < 5", &e));
        assert!(holds("n <= 5", &e) && !holds("n <= 4", &e));
        assert!(holds("n > 4", &e) && !holds("n > 5", &e));
        assert!(holds("n >= 5", &e) && !holds("n >= 6", &e));
        assert!(holds(r#"s in ["x", "alarm-high"]"#, &e) && !holds(r#"s in ["x"]"#, &e));
        assert!(holds("exists(list[1].k)", &e) && !holds("exists(list[2])", &e) && !holds("exists(z)", &e));
        assert!(holds(r#"starts_with(s, "alarm")"#, &e) && !holds(r#"starts_with(n, "5")"#, &e));
        assert!(holds(r#"ends_with(s, "high")"#, &e) && !holds(r#"ends_with(s, "low")"#, &e));
        assert!(holds("b == true && z == null", &e));
        assert!(holds(r#"detail-type == "Scheduled Event""#, &e));
        // Absent paths: only != holds.
        assert!(!holds(r#"missing == "x""#, &e) && holds(r#"missing != "x""#, &e));
        assert!(!holds("missing < 1", &e) && !holds(r#"missing in ["x"]"#, &e));
        // Type mismatches are false, never errors.
        assert!(!holds(r#"n == "5""#, &e) && !holds("s > 1", &e));
        assert!(holds("!(n == 1) || s == 1", &e));
    }

    #[test]
    fn paths_read_through_json_strings() {
        let e = json!({"Records": [{"Sns": {"Message": "{\"NewStateValue\":\"ALARM\",\"Trigger\":{\"Threshold\":3}}"}}]});
        assert!(holds(r#"Records[0].Sns.Message.NewStateValue == "ALARM""#, &e));
        assert!(holds("Records[0].Sns.Message.Trigger.Threshold >= 3", &e));
        assert!(!holds("exists(Records[0].Sns.Message.Nope)", &e));
        let not_json = json!({"body": "plain text"});
        assert!(!holds("exists(body.x)", &not_json));
    }
}
