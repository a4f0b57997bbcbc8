//! The `when = "..."` condition language: parsed (and so checked) by the macros at compile
//! time, evaluated against each event at run time.
//!
//! ```text
//! source == "aws.cloudwatch" && detail.state.value == "ALARM" && !exists(detail.muted)
//! Records[0].s3.object.size > 1024 || Records[0].s3.bucket.name in ["a", "b"]
//! starts_with(detail-type, "EC2 ") && "odd key".x != null
//! ```
//!
//! Paths are dotted keys with `[n]` indices. A key may contain `-` (`detail-type`); any other
//! key is written as a quoted string (`detail."my key"`). Operators: `==` and `!=` (any JSON
//! literal), `<`, `<=`, `>`, `>=` (numbers), `path in [literal, ...]`, `exists(path)`,
//! `starts_with(path, "x")`, `ends_with(path, "x")`, `&&`, `||`, `!` and parentheses.
//!
//! A path that is absent makes `==`, `<`, `<=`, `>`, `>=`, `in`, `starts_with` and `ends_with`
//! false and `!=` true. A path step into a string that holds JSON (an SNS `Message`, an SQS
//! `body`) reads that JSON: `Records[0].Sns.Message.NewStateValue == "ALARM"`.

#[cfg(feature = "events")]
mod eval;
mod parse;

use std::fmt;

/// A parsed condition.
///
/// ```
/// use cloud_events_core::condition::{Condition, Path};
/// let condition = Condition::parse("exists(detail)").unwrap();
/// assert_eq!(condition, Condition::Exists(Path::key("detail")));
/// let negated = Condition::Not(Box::new(condition));
/// assert_eq!(negated.to_string(), "!exists(detail)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Both hold.
    And(Box<Condition>, Box<Condition>),
    /// Either holds.
    Or(Box<Condition>, Box<Condition>),
    /// It does not hold.
    Not(Box<Condition>),
    /// `path op literal`.
    Compare(Path, CompareOp, Literal),
    /// `path in [literals]`.
    In(Path, Vec<Literal>),
    /// `exists(path)`: present and not `null`.
    Exists(Path),
    /// `starts_with(path, "prefix")`.
    StartsWith(Path, String),
    /// `ends_with(path, "suffix")`.
    EndsWith(Path, String),
}

/// A comparison operator.
///
/// ```
/// use cloud_events_core::condition::{CompareOp, Condition};
/// let condition = Condition::parse("Records[0].s3.object.size >= 1000000").unwrap();
/// assert!(matches!(condition, Condition::Compare(_, CompareOp::Ge, _)));
/// assert_eq!(CompareOp::Ge.to_string(), ">=");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A JSON literal in a condition.
///
/// ```
/// use cloud_events_core::condition::{Condition, Literal};
/// let Condition::In(_, literals) = Condition::parse(r#"detail.state in ["ALARM", 3, true, null]"#).unwrap() else {
///     panic!("an `in` test");
/// };
/// assert_eq!(
///     literals,
///     [Literal::String("ALARM".into()), Literal::Number(3.0), Literal::Bool(true), Literal::Null]
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string.
    String(String),
    /// A number.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A path into the event: keys and indices.
///
/// ```
/// use cloud_events_core::condition::Path;
/// let path = Path::parse("Records[0].s3.object.key").unwrap();
/// assert_eq!(path.segments.len(), 5);
/// assert_eq!(path.to_string(), "Records[0].s3.object.key");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path {
    /// The steps, from the top of the event.
    pub segments: Vec<Segment>,
}

/// One step of a [`Path`].
///
/// ```
/// use cloud_events_core::condition::{Path, Segment};
/// let path = Path::parse(r#"detail."my key"[2]"#).unwrap();
/// assert_eq!(
///     path.segments,
///     [Segment::Key("detail".into()), Segment::Key("my key".into()), Segment::Index(2)]
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A condition that does not parse: where and why.
///
/// ```
/// use cloud_events_core::condition::Condition;
/// let error = Condition::parse(r#"detail.state = "ALARM""#).unwrap_err();
/// assert_eq!(error.offset, 13);
/// assert!(error.to_string().starts_with("at column 14: "), "{error}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// Byte offset in the condition text.
    pub offset: usize,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.offset + 1, self.message)
    }
}

impl std::error::Error for ConditionError {}

impl Condition {
    /// Parses a condition.
    ///
    /// ```
    /// use cloud_events_core::condition::Condition;
    /// let c = Condition::parse(r#"detail.state.value == "ALARM" && exists(detail.alarmName)"#).unwrap();
    /// assert_eq!(c.to_string(), r#"(detail.state.value == "ALARM" && exists(detail.alarmName))"#);
    /// assert!(Condition::parse("detail.state ==").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        parse::parse(text)
    }

    /// How many tests the condition makes; more specific handlers win ties.
    ///
    /// ```
    /// use cloud_events_core::condition::Condition;
    /// let condition = Condition::parse(r#"source == "aws.ec2" && (detail.state == "running" || !exists(detail.x))"#).unwrap();
    /// assert_eq!(condition.weight(), 3);
    /// ```
    pub fn weight(&self) -> usize {
        match self {
            Condition::And(a, b) | Condition::Or(a, b) => a.weight() + b.weight(),
            Condition::Not(c) => c.weight(),
            _ => 1,
        }
    }

    /// `a && b`.
    ///
    /// ```
    /// use cloud_events_core::condition::Condition;
    /// let both = Condition::parse(r#"source == "aws.ec2""#).unwrap().and(Condition::parse("exists(detail)").unwrap());
    /// assert_eq!(both.to_string(), r#"(source == "aws.ec2" && exists(detail))"#);
    /// assert_eq!(both.weight(), 2);
    /// ```
    pub fn and(self, other: Condition) -> Condition {
        Condition::And(Box::new(self), Box::new(other))
    }
}

impl Path {
    /// Parses a path (`detail.state.value`, `Records[0].s3.object.key`, `detail."odd key"`).
    ///
    /// ```
    /// use cloud_events_core::condition::{Path, Segment};
    /// let path = Path::parse("detail-type").unwrap(); // `-` may be part of a key
    /// assert_eq!(path.segments, [Segment::Key("detail-type".into())]);
    /// assert!(Path::parse("detail.").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Path, ConditionError> {
        parse::parse_path(text)
    }

    /// A path of one key.
    ///
    /// ```
    /// use cloud_events_core::condition::Path;
    /// assert_eq!(Path::key("detail"), Path::parse("detail").unwrap());
    /// assert_eq!(Path::key("my key").to_string(), r#""my key""#);
    /// ```
    pub fn key(key: &str) -> Path {
        Path {
            segments: vec![Segment::Key(key.to_owned())],
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::And(a, b) => write!(f, "({a} && {b})"),
            Condition::Or(a, b) => write!(f, "({a} || {b})"),
            Condition::Not(c) => write!(f, "!{c}"),
            Condition::Compare(path, op, value) => write!(f, "{path} {op} {value}"),
            Condition::In(path, values) => {
                write!(f, "{path} in [")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str("]")
            }
            Condition::Exists(path) => write!(f, "exists({path})"),
            Condition::StartsWith(path, prefix) => write!(f, "starts_with({path}, {prefix:?})"),
            Condition::EndsWith(path, suffix) => write!(f, "ends_with({path}, {suffix:?})"),
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        })
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(text) => write!(f, "{text:?}"),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Null => f.write_str("null"),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if parse::is_bare_key(key) {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}
