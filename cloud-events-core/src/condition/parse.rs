//! The condition parser: a tokenizer and a recursive-descent parser with positions in errors.

use super::{CompareOp, Condition, ConditionError, Literal, Path, Segment};

/// Nesting deeper than this is refused, so that parsing never exhausts the stack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Number(f64),
    Dot,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Op(CompareOp),
    AndAnd,
    OrOr,
    Bang,
}

fn describe(token: Option<&Token>) -> String {
    match token {
        None => "the end of the condition".to_owned(),
        Some(Token::Ident(name)) => format!("`{name}`"),
        Some(Token::Str(text)) => format!("the string {text:?}"),
        Some(Token::Number(n)) => format!("the number {n}"),
        Some(Token::Dot) => "`.`".to_owned(),
        Some(Token::LBracket) => "`[`".to_owned(),
        Some(Token::RBracket) => "`]`".to_owned(),
        Some(Token::LParen) => "`(`".to_owned(),
        Some(Token::RParen) => "`)`".to_owned(),
        Some(Token::Comma) => "`,`".to_owned(),
        Some(Token::Op(op)) => format!("`{op}`"),
        Some(Token::AndAnd) => "`&&`".to_owned(),
        Some(Token::OrOr) => "`||`".to_owned(),
        Some(Token::Bang) => "`!`".to_owned(),
    }
}

/// Whether a key can be written without quotes.
pub(super) fn is_bare_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(
            key,
            "in" | "true" | "false" | "null" | "exists" | "starts_with" | "ends_with"
        )
}

fn error(offset: usize, message: impl Into<String>) -> ConditionError {
    ConditionError {
        offset,
        message: message.into(),
    }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ConditionError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let two = |second: u8| bytes.get(i + 1) == Some(&second);
        let token = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'.' => Token::Dot,
            b'[' => Token::LBracket,
            b']' => Token::RBracket,
            b'(' => Token::LParen,
            b')' => Token::RParen,
            b',' => Token::Comma,
            b'=' if two(b'=') => Token::Op(CompareOp::Eq),
            b'!' if two(b'=') => Token::Op(CompareOp::Ne),
            b'<' if two(b'=') => Token::Op(CompareOp::Le),
            b'>' if two(b'=') => Token::Op(CompareOp::Ge),
            b'&' if two(b'&') => Token::AndAnd,
            b'|' if two(b'|') => Token::OrOr,
            b'<' => Token::Op(CompareOp::Lt),
            b'>' => Token::Op(CompareOp::Gt),
            b'!' => Token::Bang,
            b'=' => return Err(error(i, "`=` is not an operator: write `==` to compare")),
            b'&' => return Err(error(i, "`&` is not an operator: write `&&`")),
            b'|' => return Err(error(i, "`|` is not an operator: write `||`")),
            b'"' => {
                let (text, end) = string(text, i)?;
                tokens.push((start, Token::Str(text)));
                i = end;
                continue;
            }
            b'-' | b'0'..=b'9' => {
                let mut end = i + 1;
                while end < bytes.len()
                    && matches!(bytes[end], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    end += 1;
                }
                let literal = &text[i..end];
                let number = literal
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| error(i, format!("`{literal}` is not a number")))?;
                tokens.push((start, Token::Number(number)));
                i = end;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut end = i + 1;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'_' | b'-'))
                {
                    end += 1;
                }
                tokens.push((start, Token::Ident(text[i..end].to_owned())));
                i = end;
                continue;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(error(
                    i,
                    format!("unexpected character `{ch}`: quote odd keys, as in detail.\"my key\""),
                ));
            }
        };
        i += match token {
            Token::Op(CompareOp::Lt | CompareOp::Gt) | Token::Bang => 1,
            Token::Op(_) | Token::AndAnd | Token::OrOr => 2,
            _ => 1,
        };
        tokens.push((start, token));
    }
    Ok(tokens)
}

/// A double-quoted string starting at `start`; returns it and the offset after it.
fn string(text: &str, start: usize) -> Result<(String, usize), ConditionError> {
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + offset + 1)),
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((at, other)) => {
                    return Err(error(
                        start + 1 + at,
                        format!("unknown escape `\\{other}`: use \\\" \\\\ \\n or \\t"),
                    ));
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(error(start, "this string is not closed: add a `\"`"))
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    position: usize,
    end: usize,
    depth: usize,
}

/// Parses a path alone (`detail.state.value`, `Records[0].s3`).
pub(super) fn parse_path(text: &str) -> Result<Path, ConditionError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        end: text.len(),
        depth: 0,
    };
    let path = parser.path()?;
    if let Some((offset, token)) = parser.tokens.get(parser.position) {
        return Err(error(
            *offset,
            format!("unexpected {} after the path", describe(Some(token))),
        ));
    }
    Ok(path)
}

pub(super) fn parse(text: &str) -> Result<Condition, ConditionError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(error(0, "the condition is empty"));
    }
    let mut parser = Parser {
        tokens,
        position: 0,
        end: text.len(),
        depth: 0,
    };
    let condition = parser.or()?;
    if let Some((offset, token)) = parser.tokens.get(parser.position) {
        return Err(error(
            *offset,
            format!(
                "unexpected {} after a complete condition: join conditions with `&&` or `||`",
                describe(Some(token))
            ),
        ));
    }
    Ok(condition)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(_, token)| token)
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.position)
            .map_or(self.end, |(offset, _)| *offset)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).map(|(_, token)| token.clone());
        self.position += 1;
        token
    }

    fn expect(&mut self, expected: &Token, what: &str) -> Result<(), ConditionError> {
        if self.peek() == Some(expected) {
            self.position += 1;
            Ok(())
        } else {
            Err(error(
                self.offset(),
                format!("expected {what}, found {}", describe(self.peek())),
            ))
        }
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::OrOr) {
            self.position += 1;
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Token::AndAnd) {
            self.position += 1;
            left = Condition::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Condition, ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                self.offset(),
                format!("the condition nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        let result = match self.peek() {
            Some(Token::Bang) => {
                self.position += 1;
                self.unary().map(|c| Condition::Not(Box::new(c)))
            }
            Some(Token::LParen) => {
                self.position += 1;
                let inner = self.or()?;
                self.expect(&Token::RParen, "`)` to close the parenthesis")?;
                Ok(inner)
            }
            _ => self.test(),
        };
        self.depth -= 1;
        result
    }

    fn test(&mut self) -> Result<Condition, ConditionError> {
        let start = self.offset();
        if let Some(Token::Ident(name)) = self.peek()
            && self.tokens.get(self.position + 1).map(|(_, t)| t) == Some(&Token::LParen)
        {
            let name = name.clone();
            self.position += 2;
            let condition = match name.as_str() {
                "exists" => Condition::Exists(self.path()?),
                "starts_with" | "ends_with" => {
                    let path = self.path()?;
                    self.expect(&Token::Comma, "`,` and then a string")?;
                    let text = match self.next() {
                        Some(Token::Str(text)) => text,
                        other => {
                            return Err(error(
                                self.tokens.get(self.position - 1).map_or(self.end, |(o, _)| *o),
                                format!(
                                    "`{name}` takes a string as its second argument, found {}",
                                    describe(other.as_ref())
                                ),
                            ));
                        }
                    };
                    if name == "starts_with" {
                        Condition::StartsWith(path, text)
                    } else {
                        Condition::EndsWith(path, text)
                    }
                }
                other => {
                    return Err(error(
                        start,
                        format!(
                            "unknown function `{other}`: the functions are exists, starts_with and ends_with"
                        ),
                    ));
                }
            };
            self.expect(&Token::RParen, "`)` to close the function call")?;
            return Ok(condition);
        }
        let path = self.path()?;
        let operator_at = self.offset();
        match self.next() {
            Some(Token::Op(op)) => {
                let value_at = self.offset();
                let value = self.literal()?;
                if !matches!(op, CompareOp::Eq | CompareOp::Ne) && !matches!(value, Literal::Number(_)) {
                    return Err(error(
                        value_at,
                        format!("`{op}` compares numbers: write a number after it"),
                    ));
                }
                Ok(Condition::Compare(path, op, value))
            }
            Some(Token::Ident(word)) if word == "in" => {
                self.expect(&Token::LBracket, "`[` to start the list")?;
                let mut values = vec![self.literal()?];
                while self.peek() == Some(&Token::Comma) {
                    self.position += 1;
                    values.push(self.literal()?);
                }
                self.expect(&Token::RBracket, "`,` or `]` to end the list")?;
                Ok(Condition::In(path, values))
            }
            other => Err(error(
                operator_at,
                format!(
                    "expected an operator (==, !=, <, <=, >, >=, in) after `{path}`, found {}; to test presence write exists({path})",
                    describe(other.as_ref())
                ),
            )),
        }
    }

    fn literal(&mut self) -> Result<Literal, ConditionError> {
        let at = self.offset();
        match self.next() {
            Some(Token::Str(text)) => Ok(Literal::String(text)),
            Some(Token::Number(n)) => Ok(Literal::Number(n)),
            Some(Token::Ident(word)) if word == "true" => Ok(Literal::Bool(true)),
            Some(Token::Ident(word)) if word == "false" => Ok(Literal::Bool(false)),
            Some(Token::Ident(word)) if word == "null" => Ok(Literal::Null),
            Some(Token::Ident(word)) => Err(error(
                at,
                format!("expected a value, found `{word}`: strings are quoted, as in \"{word}\""),
            )),
            other => Err(error(
                at,
                format!(
                    "expected a value (a string, number, true, false or null), found {}",
                    describe(other.as_ref())
                ),
            )),
        }
    }

    fn path(&mut self) -> Result<Path, ConditionError> {
        let mut segments = vec![self.key()?];
        loop {
            match self.peek() {
                Some(Token::Dot) => {
                    self.position += 1;
                    segments.push(self.key()?);
                }
                Some(Token::LBracket) => {
                    self.position += 1;
                    let at = self.offset();
                    match self.next() {
                        Some(Token::Number(n)) if n >= 0.0 && n.fract() == 0.0 && n < 1e9 => {
                            segments.push(Segment::Index(n as usize));
                        }
                        other => {
                            return Err(error(
                                at,
                                format!(
                                    "expected an index such as [0], found {}",
                                    describe(other.as_ref())
                                ),
                            ));
                        }
                    }
                    self.expect(&Token::RBracket, "`]` after the index")?;
                }
                _ => return Ok(Path { segments }),
            }
        }
    }

    fn key(&mut self) -> Result<Segment, ConditionError> {
        let at = self.offset();
        match self.next() {
            Some(Token::Ident(name)) if is_bare_key(&name) => Ok(Segment::Key(name)),
            Some(Token::Str(name)) => Ok(Segment::Key(name)),
            Some(Token::Ident(word)) => Err(error(
                at,
                format!("`{word}` is a keyword: quote it to use it as a key, as in \"{word}\""),
            )),
            other => Err(error(
                at,
                format!(
                    "expected a path such as detail.state.value, found {}",
                    describe(other.as_ref())
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).to_string()
    }

    #[test]
    fn parses_every_operator() {
        assert_eq!(round_trip(r#"a.b == "x""#), r#"a.b == "x""#);
        assert_eq!(round_trip("a != null"), "a != null");
        assert_eq!(round_trip("a < 1"), "a < 1");
        assert_eq!(round_trip("a <= -1.5"), "a <= -1.5");
        assert_eq!(round_trip("a > 2e3"), "a > 2000");
        assert_eq!(round_trip("a >= 0"), "a >= 0");
        assert_eq!(round_trip(r#"a in ["x", 1, true]"#), r#"a in ["x", 1, true]"#);
        assert_eq!(round_trip("exists(Records[0].s3)"), "exists(Records[0].s3)");
        assert_eq!(
            round_trip(r#"starts_with(detail-type, "EC2")"#),
            r#"starts_with(detail-type, "EC2")"#
        );
        assert_eq!(round_trip(r#"ends_with(k, ".pdf")"#), r#"ends_with(k, ".pdf")"#);
        assert_eq!(
            round_trip(r#"!(a == 1 || b == 2) && c == 3"#),
            "(!(a == 1 || b == 2) && c == 3)"
        );
        assert_eq!(
            round_trip(r#"detail."odd key"."in" == 1"#),
            r#"detail."odd key"."in" == 1"#
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            round_trip("a == 1 || b == 2 && c == 3"),
            "(a == 1 || (b == 2 && c == 3))"
        );
    }

    #[test]
    fn errors_say_where_and_how_to_fix() {
        let cases = [
            ("a = 1", 2, "write `==`"),
            ("a ==", 4, "expected a value"),
            ("a == b", 5, "strings are quoted"),
            ("a < \"x\"", 4, "compares numbers"),
            ("a", 1, "to test presence write exists(a)"),
            ("(a == 1", 7, "`)`"),
            ("a == 1 b == 2", 7, "join conditions"),
            ("a[x] == 1", 2, "index"),
            ("a == \"open", 5, "not closed"),
            ("nope(a)", 0, "unknown function"),
            ("a == 1 & b == 2", 7, "`&&`"),
            ("a.in == 1", 2, "keyword"),
            ("", 0, "empty"),
            ("a == 1 $", 7, "unexpected character"),
        ];
        for (text, offset, fragment) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error.offset, offset, "{text}: {error}");
            assert!(error.message.contains(fragment), "{text}: {error}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = format!("{}a == 1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&text).unwrap_err().message.contains("nests deeper"));
        let nots = format!("{}a == 1", "!".repeat(10_000));
        assert!(parse(&nots).is_err());
    }
}
