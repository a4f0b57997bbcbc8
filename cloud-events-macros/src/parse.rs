//! Attribute arguments -> a [`HandlerSpec`], with every mistake reported at once.

use cloud_events_core::Kind;
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
    CloudEvent {
        source: Option<LitStr>,
        ty: Option<LitStr>,
    },
    Default,
}

/// What the attribute says about the handler.
pub struct HandlerSpec {
    pub route: RouteSpec,
    pub rank: i32,
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

/// One argument: `"aws.s3"`, `default`, or `name = value`.
enum Arg {
    Key(LitStr),
    Flag(Ident),
    Named(Ident, Expr),
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
        } else {
            Ok(Arg::Flag(name))
        }
    }
}

pub fn parse(attribute: Attribute, args: TokenStream) -> syn::Result<HandlerSpec> {
    let args = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(args)?;
    match attribute {
        Attribute::OnEvent => parse_on_event(args),
        Attribute::OnCloudEvent => parse_on_cloudevent(args),
    }
}

fn parse_on_event(args: Punctuated<Arg, Token![,]>) -> syn::Result<HandlerSpec> {
    let mut errors = Errors::default();
    let mut route: Option<RouteSpec> = None;
    let mut rank = None;
    for arg in args {
        match arg {
            Arg::Key(key) => {
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
            Arg::Flag(flag) if flag == "default" => {
                if route.is_some() {
                    errors.at(flag.span(), "a handler has one route: `default` cannot be combined with a route key");
                    continue;
                }
                route = Some(RouteSpec::Default);
            }
            Arg::Named(name, value) if name == "rank" => set_rank(&mut errors, &mut rank, &name, &value),
            Arg::Flag(flag) => errors.at(
                flag.span(),
                format!("unknown argument `{flag}`: #[on_event] takes a route key string (\"aws.s3\"), `default`, and `rank = N`"),
            ),
            Arg::Named(name, _) => errors.at(
                name.span(),
                format!("unknown argument `{name}`: #[on_event] takes a route key string (\"aws.s3\"), `default`, and `rank = N`"),
            ),
        }
    }
    if route.is_none() {
        errors.at(
            Span::call_site(),
            "#[on_event] needs a route: a key such as #[on_event(\"aws.s3\")], or #[on_event(default)] for what no other handler matches",
        );
    }
    errors.finish()?;
    Ok(HandlerSpec {
        route: route.unwrap_or(RouteSpec::Default),
        rank: rank.unwrap_or(0),
    })
}

fn parse_on_cloudevent(args: Punctuated<Arg, Token![,]>) -> syn::Result<HandlerSpec> {
    let mut errors = Errors::default();
    let mut source: Option<LitStr> = None;
    let mut ty: Option<LitStr> = None;
    let mut rank = None;
    let mut filter_given = false;
    for arg in args {
        match arg {
            Arg::Named(name, value) if name == "source" || name == "type" => {
                filter_given = true;
                let slot = if name == "source" { &mut source } else { &mut ty };
                match string_literal(&value) {
                    Some(text) if text.value().is_empty() => errors.at(
                        text.span(),
                        format!("`{name}` cannot be empty: CloudEvents require a non-empty `{name}`"),
                    ),
                    Some(_) if slot.is_some() => {
                        errors.at(name.span(), format!("`{name}` is given twice: keep one"))
                    }
                    Some(text) => *slot = Some(text),
                    None => errors.at(
                        value_span(&value),
                        format!("`{name}` takes a string literal, e.g. `{name} = \"...\"`"),
                    ),
                }
            }
            Arg::Named(name, value) if name == "rank" => set_rank(&mut errors, &mut rank, &name, &value),
            Arg::Key(key) => errors.at(
                key.span(),
                "#[on_cloudevent] takes named arguments: write `source = \"...\"` or `type = \"...\"` (a route key goes in #[on_event(...)])",
            ),
            Arg::Flag(flag) => errors.at(
                flag.span(),
                format!("unknown argument `{flag}`: #[on_cloudevent] takes `source = \"...\"`, `type = \"...\"` and `rank = N`"),
            ),
            Arg::Named(name, _) => errors.at(
                name.span(),
                format!("unknown argument `{name}`: #[on_cloudevent] takes `source = \"...\"`, `type = \"...\"` and `rank = N`"),
            ),
        }
    }
    if !filter_given {
        errors.at(
            Span::call_site(),
            "#[on_cloudevent] needs `source = \"...\"`, `type = \"...\"` or both; for every CloudEvent use #[on_event(\"cloudevents\")]",
        );
    }
    errors.finish()?;
    Ok(HandlerSpec {
        route: RouteSpec::CloudEvent { source, ty },
        rank: rank.unwrap_or(0),
    })
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
        " (the kinds table in the README lists every key; `default` takes what nothing else matches)",
    );
    message
}

fn set_rank(errors: &mut Errors, rank: &mut Option<i32>, name: &Ident, value: &Expr) {
    if rank.is_some() {
        errors.at(name.span(), "`rank` is given twice: keep one");
        return;
    }
    match integer(value) {
        Some(Ok(n)) => *rank = Some(n),
        Some(Err(message)) => errors.at(value_span(value), message),
        None => errors.at(
            value_span(value),
            "`rank` takes an integer literal, e.g. `rank = 10` (higher ranks win)",
        ),
    }
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
