//! Attribute arguments -> a [`HandlerSpec`] or [`FactorySpec`], with every mistake reported at
//! once.

use cloud_events_core::Kind;
use cloud_events_core::condition::Condition;
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

/// Which attribute is being expanded.
#[derive(Clone, Copy)]
pub enum Attribute {
    OnEvent,
    OnCloudEvent,
}

/// Which events the handler is for.
pub enum RouteSpec {
    Kind(Kind),
    Default,
}

/// A string test: equal, or with a trailing `*`, a prefix.
pub enum PatternSpec {
    Exact(String),
    Prefix(String),
}

/// Tests on the classification's dynamic parts.
#[derive(Default)]
pub struct FilterSpec {
    pub source: Option<PatternSpec>,
    pub ty: Option<PatternSpec>,
    pub subject: Option<PatternSpec>,
}

/// What the attribute says about the handler.
pub struct HandlerSpec {
    pub route: RouteSpec,
    pub filter: FilterSpec,
    pub when: Option<LitStr>,
    /// `#[on_cloudevent(adapted = true)]`: also receives other kinds' events adapted into
    /// CloudEvents.
    pub adapted: bool,
    pub rank: i32,
    /// `idempotent` or `idempotent(...)`.
    pub idempotent: Option<IdempotentSpec>,
}

/// What `idempotent(...)` says.
pub struct IdempotentSpec {
    /// The `idempotent` word, where errors about the handler's key point.
    pub span: Span,
    pub key: Option<LitStr>,
    pub validate: Option<LitStr>,
    /// Seconds.
    pub expires_after: u64,
    pub prefix: Option<LitStr>,
}

/// A completed record counts for an hour unless `expires_after` says otherwise (Powertools'
/// default).
const DEFAULT_EXPIRY_SECONDS: u64 = 3600;

/// What `#[dependency(...)]` says about the factory.
pub struct FactorySpec {
    pub scope: &'static str,
}

/// Collects errors so that all of them are reported in one compile.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// One argument: `"aws.s3"`, `default`, `name = value`, or `name(arguments)`.
enum Arg {
    Key(LitStr),
    Flag(Ident),
    Named(Ident, Expr),
    Call(Ident, Punctuated<Arg, Token![,]>),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(Arg::Key(input.parse()?));
        }
        // `type` is a keyword: accept it as an argument name.
        let name = Ident::parse_any(input)?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Ok(Arg::Named(name, input.parse()?))
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Ok(Arg::Call(name, Punctuated::parse_terminated(&content)?))
        } else {
            Ok(Arg::Flag(name))
        }
    }
}

const ON_EVENT_ARGS: &str = "#[on_event] takes a route key string (\"aws.s3\") or `default`, then `rank = N`, `when = \"...\"`, `idempotent`, and for aws.events `source`/`detail_type`, for cloudevents `source`/`type`/`subject`, for aws.iotevents `event_name`";
const ON_CLOUDEVENT_ARGS: &str = "#[on_cloudevent] takes `source = \"...\"`, `type = \"...\"`, `subject = \"...\"`, `when = \"...\"`, `adapted = true`, `idempotent` and `rank = N`";
const IDEMPOTENT_ARGS: &str = "`idempotent` takes `key = \"body.orderId\"` (the key's path; by default the id the event source gives each event or record), `validate = \"body.amount\"` (fields a duplicate must match), `expires_after = \"1h\"` (how long an answer is kept: seconds, or a number with `s`, `m`, `h` or `d`) and `prefix = \"...\"` (the records' id prefix)";

pub fn parse(attribute: Attribute, args: TokenStream) -> syn::Result<HandlerSpec> {
    let args = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(args)?;
    let mut errors = Errors::default();
    let mut route: Option<RouteSpec> = None;
    let mut spec = HandlerSpec {
        route: RouteSpec::Default,
        filter: FilterSpec::default(),
        when: None,
        rank: 0,
        adapted: false,
        idempotent: None,
    };
    let mut rank_given = false;
    // Shorthands are checked against the kind once it is known.
    let mut shorthands: Vec<(Ident, LitStr)> = Vec::new();
    let accepted = match attribute {
        Attribute::OnEvent => ON_EVENT_ARGS,
        Attribute::OnCloudEvent => ON_CLOUDEVENT_ARGS,
    };
    if let Attribute::OnCloudEvent = attribute {
        route = Some(RouteSpec::Kind(Kind::CloudEvents));
    }
    for arg in args {
        match (attribute, arg) {
            (Attribute::OnEvent, Arg::Key(key)) => {
                if route.is_some() {
                    errors.at(key.span(), "a handler has one route: remove this second route key (write another handler for another kind)");
                    continue;
                }
                match Kind::from_key(&key.value()) {
                    Some(kind) => route = Some(RouteSpec::Kind(kind)),
                    None => {
                        errors.at(key.span(), unknown_key_message(&key.value()));
                        route = Some(RouteSpec::Default);
                    }
                }
            }
            (Attribute::OnEvent, Arg::Flag(flag)) if flag == "default" => {
                if route.is_some() {
                    errors.at(flag.span(), "a handler has one route: `default` cannot be combined with a route key");
                    continue;
                }
                route = Some(RouteSpec::Default);
            }
            (Attribute::OnCloudEvent, Arg::Key(key)) => errors.at(
                key.span(),
                "#[on_cloudevent] takes named arguments: write `source = \"...\"` or `type = \"...\"` (a route key goes in #[on_event(...)])",
            ),
            (_, Arg::Named(name, value)) if name == "rank" => {
                if rank_given {
                    errors.at(name.span(), "`rank` is given twice: keep one");
                    continue;
                }
                rank_given = true;
                match integer(&value) {
                    Some(Ok(n)) => spec.rank = n,
                    Some(Err(message)) => errors.at(value_span(&value), message),
                    None => errors.at(value_span(&value), "`rank` takes an integer literal, e.g. `rank = 10` (higher ranks win)"),
                }
            }
            (Attribute::OnCloudEvent, Arg::Named(name, value)) if name == "adapted" => match &value {
                Expr::Lit(ExprLit { lit: Lit::Bool(flag), .. }) => spec.adapted = flag.value,
                _ => errors.at(value_span(&value), "`adapted` takes `true` or `false`"),
            },
            (_, Arg::Named(name, value)) if name == "when" => match string_literal(&value) {
                Some(_) if spec.when.is_some() => errors.at(name.span(), "`when` is given twice: join the conditions with `&&`"),
                Some(text) => {
                    if let Err(error) = Condition::parse(&text.value()) {
                        errors.at(text.span(), condition_message(&text.value(), &error));
                    }
                    spec.when = Some(text);
                }
                None => errors.at(value_span(&value), "`when` takes a string literal, e.g. when = r#\"detail.state.value == \"ALARM\"\"#"),
            },
            (_, Arg::Named(name, value))
                if ["source", "type", "subject", "detail_type", "event_name"].contains(&name.to_string().as_str()) =>
            {
                match string_literal(&value) {
                    Some(text) => shorthands.push((name, text)),
                    None => errors.at(value_span(&value), format!("`{name}` takes a string literal, e.g. `{name} = \"...\"`")),
                }
            }
            (_, Arg::Flag(flag)) if flag == "idempotent" => {
                set_idempotent(&mut spec.idempotent, &flag, Punctuated::new(), &mut errors)
            }
            (_, Arg::Call(name, args)) if name == "idempotent" => {
                set_idempotent(&mut spec.idempotent, &name, args, &mut errors)
            }
            (_, Arg::Named(name, _)) if name == "idempotent" => errors.at(
                name.span(),
                format!("write `idempotent` alone or with arguments in parentheses: `idempotent(key = \"...\")`; {IDEMPOTENT_ARGS}"),
            ),
            (_, Arg::Flag(flag)) => errors.at(flag.span(), format!("unknown argument `{flag}`: {accepted}")),
            (_, Arg::Call(name, _)) => errors.at(name.span(), format!("unknown argument `{name}`: {accepted}")),
            (_, Arg::Named(name, _)) => errors.at(name.span(), format!("unknown argument `{name}`: {accepted}")),
        }
    }
    let Some(route) = route else {
        errors.at(
            Span::call_site(),
            "#[on_event] needs a route: a key such as #[on_event(\"aws.s3\")], or #[on_event(default)] for what no other handler matches",
        );
        return Err(errors.finish().unwrap_err());
    };
    let filters_given = !shorthands.is_empty();
    for (name, text) in shorthands {
        let slot = match (&route, name.to_string().as_str()) {
            (RouteSpec::Kind(Kind::EventBridge | Kind::CloudEvents), "source") => &mut spec.filter.source,
            (RouteSpec::Kind(Kind::EventBridge), "detail_type") => &mut spec.filter.ty,
            (RouteSpec::Kind(Kind::CloudEvents), "type") => &mut spec.filter.ty,
            (RouteSpec::Kind(Kind::CloudEvents), "subject") => &mut spec.filter.subject,
            (RouteSpec::Kind(Kind::IotEvents), "event_name") => &mut spec.filter.ty,
            (_, other) => {
                let applies = match other {
                    "source" => "aws.events and cloudevents",
                    "detail_type" => "aws.events",
                    "event_name" => "aws.iotevents",
                    _ => "cloudevents (#[on_cloudevent])",
                };
                errors.at(name.span(), format!("`{other}` applies to {applies} handlers; for this route write a condition: when = \"...\""));
                continue;
            }
        };
        if slot.is_some() {
            errors.at(name.span(), format!("`{name}` is given twice: keep one"));
            continue;
        }
        match pattern(&text) {
            Ok(pattern) => *slot = Some(pattern),
            Err(message) => errors.at(text.span(), format!("`{name}`: {message}")),
        }
    }
    if let Attribute::OnCloudEvent = attribute
        && !filters_given
        && spec.when.is_none()
    {
        errors.at(
            Span::call_site(),
            "#[on_cloudevent] needs `source = \"...\"`, `type = \"...\"`, `subject = \"...\"` or `when`; for every CloudEvent use #[on_event(\"cloudevents\")]",
        );
    }
    errors.finish()?;
    spec.route = route;
    Ok(spec)
}

pub fn parse_factory(args: TokenStream) -> syn::Result<FactorySpec> {
    let args = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(args)?;
    let mut errors = Errors::default();
    let mut scope = None;
    for arg in args {
        match arg {
            Arg::Named(name, value) if name == "scope" => match string_literal(&value) {
                Some(text) => match text.value().as_str() {
                    "process" => scope = Some("process"),
                    "invocation" => scope = Some("invocation"),
                    "transient" => scope = Some("transient"),
                    other => errors.at(
                        text.span(),
                        format!("unknown scope `{other}`: write \"process\" (once per process), \"invocation\" (once per invocation, the default) or \"transient\" (every use)"),
                    ),
                },
                None => errors.at(value_span(&value), "`scope` takes a string: \"process\", \"invocation\" or \"transient\""),
            },
            Arg::Named(name, _) | Arg::Flag(name) => {
                errors.at(name.span(), format!("unknown argument `{name}`: #[dependency] takes `scope = \"process\" | \"invocation\" | \"transient\"`"))
            }
            Arg::Call(name, _) => {
                errors.at(name.span(), format!("unknown argument `{name}`: #[dependency] takes `scope = \"process\" | \"invocation\" | \"transient\"`"))
            }
            Arg::Key(key) => errors.at(key.span(), "#[dependency] takes `scope = \"...\"`"),
        }
    }
    errors.finish()?;
    Ok(FactorySpec {
        scope: scope.unwrap_or("invocation"),
    })
}

/// Reads `idempotent` or `idempotent(...)` into `slot`.
fn set_idempotent(
    slot: &mut Option<IdempotentSpec>,
    word: &Ident,
    args: Punctuated<Arg, Token![,]>,
    errors: &mut Errors,
) {
    if slot.is_some() {
        errors.at(word.span(), "`idempotent` is given twice: keep one");
        return;
    }
    let mut spec = IdempotentSpec {
        span: word.span(),
        key: None,
        validate: None,
        expires_after: DEFAULT_EXPIRY_SECONDS,
        prefix: None,
    };
    let mut expiry_given = false;
    for arg in args {
        let (name, value) = match arg {
            Arg::Named(name, value) => (name, value),
            Arg::Flag(name) | Arg::Call(name, _) => {
                errors.at(
                    name.span(),
                    format!("unknown argument `{name}` of `idempotent`: {IDEMPOTENT_ARGS}"),
                );
                continue;
            }
            Arg::Key(text) => {
                errors.at(
                    text.span(),
                    format!("name the argument: `key = {:?}`; {IDEMPOTENT_ARGS}", text.value()),
                );
                continue;
            }
        };
        let given_twice = match name.to_string().as_str() {
            "key" => spec.key.is_some(),
            "validate" => spec.validate.is_some(),
            "prefix" => spec.prefix.is_some(),
            "expires_after" => expiry_given,
            _ => {
                errors.at(
                    name.span(),
                    format!("unknown argument `{name}` of `idempotent`: {IDEMPOTENT_ARGS}"),
                );
                continue;
            }
        };
        if given_twice {
            errors.at(name.span(), format!("`{name}` is given twice: keep one"));
            continue;
        }
        if name == "expires_after" {
            expiry_given = true;
            match expiry_seconds(&value) {
                Ok(seconds) => spec.expires_after = seconds,
                Err(message) => errors.at(value_span(&value), message),
            }
            continue;
        }
        let Some(text) = string_literal(&value) else {
            errors.at(
                value_span(&value),
                format!("`{name}` takes a string literal, e.g. `{name} = \"body.orderId\"`"),
            );
            continue;
        };
        if name == "prefix" {
            if text.value().is_empty() || text.value().contains('#') {
                errors.at(text.span(), "`prefix` cannot be empty or hold `#` (it comes before the `#` and the key's hash in each record's id)");
            }
            spec.prefix = Some(text);
            continue;
        }
        if let Err(error) = cloud_events_core::condition::Path::parse(&text.value()) {
            errors.at(text.span(), format!("invalid `{name}` path: {error}"));
        }
        if name == "key" {
            spec.key = Some(text);
        } else {
            spec.validate = Some(text);
        }
    }
    *slot = Some(spec);
}

/// `expires_after = 3600` or `"90s"`, `"15m"`, `"1h"`, `"7d"`, in seconds.
fn expiry_seconds(value: &Expr) -> Result<u64, String> {
    const HOW: &str = "`expires_after` takes seconds (`expires_after = 3600`) or a string of a whole number and a unit: \"90s\", \"15m\", \"1h\" or \"7d\"";
    let seconds = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<u64>().map_err(|_| HOW.to_owned())?,
        _ => {
            let text = string_literal(value).ok_or(HOW)?.value();
            let unit_at = text.find(|c: char| !c.is_ascii_digit()).ok_or(HOW)?;
            let number: u64 = text[..unit_at].parse().map_err(|_| HOW.to_owned())?;
            let unit = match &text[unit_at..] {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => return Err(HOW.to_owned()),
            };
            number.checked_mul(unit).ok_or(HOW)?
        }
    };
    if seconds == 0 {
        return Err("`expires_after` must be at least one second".to_owned());
    }
    Ok(seconds)
}

fn pattern(text: &LitStr) -> Result<PatternSpec, String> {
    let value = text.value();
    if value.is_empty() || value == "*" {
        return Err("cannot be empty (leave the argument out to match anything)".to_owned());
    }
    match value.find('*') {
        None => Ok(PatternSpec::Exact(value)),
        Some(at) if at == value.len() - 1 => Ok(PatternSpec::Prefix(value[..at].to_owned())),
        Some(_) => {
            Err("only a trailing `*` is a wildcard (a prefix match), as in \"com.example.*\"".to_owned())
        }
    }
}

fn condition_message(text: &str, error: &cloud_events_core::condition::ConditionError) -> String {
    let caret = " ".repeat(text[..error.offset.min(text.len())].chars().count());
    format!(
        "invalid `when` condition at column {}: {}\n    {text}\n    {caret}^",
        error.offset + 1,
        error.message
    )
}

fn unknown_key_message(key: &str) -> String {
    let closest = Kind::closest_keys(key, 3);
    let mut message = format!("unknown route key `{key}`");
    match closest.as_slice() {
        [] => {}
        [one] => message.push_str(&format!(": did you mean `{one}`?")),
        many => {
            let list: Vec<String> = many.iter().map(|key| format!("`{key}`")).collect();
            message.push_str(&format!(": did you mean one of {}?", list.join(", ")));
        }
    }
    message.push_str(
        " (`cloud_events_lambda::_guide::kinds` lists every key; `default` takes what nothing else matches)",
    );
    message
}

/// An integer literal, possibly negated.
fn integer(value: &Expr) -> Option<Result<i32, String>> {
    let (negative, literal) = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => (false, int),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => (true, int),
            _ => return None,
        },
        _ => return None,
    };
    let parsed = literal
        .base10_parse::<i64>()
        .ok()
        .map(|n| if negative { -n } else { n });
    Some(
        parsed
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| format!("`rank` must fit in an i32 ({} to {})", i32::MIN, i32::MAX)),
    )
}

fn string_literal(value: &Expr) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text), ..
        }) => Some(text.clone()),
        _ => None,
    }
}

fn value_span(value: &Expr) -> Span {
    syn::spanned::Spanned::span(value)
}
