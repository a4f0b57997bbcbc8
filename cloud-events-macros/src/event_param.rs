//! The handler's event parameter against its route, in the user's words: the route key they
//! wrote and the types it delivers (from the kinds table and `Kind::delivers`), before any
//! code is generated. A type the framework does not know (an alias, a type of the user's)
//! is left to the compiler's trait check.

use crate::parse::RouteSpec;
use cloud_events_core::{Delivered, Kind, Receives};
use quote::ToTokens;
use std::sync::LazyLock;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

/// Types that take the events of every kind (and so of the default handler).
const ANY_EVENT: [&str; 2] = ["RawEvent", "Value"];

/// Checks the event parameter `ty` of a handler on `route`.
pub fn check_event(ty: &Type, route: &RouteSpec) -> syn::Result<()> {
    match ty {
        Type::Reference(reference) => {
            return Err(syn::Error::new(
                reference.and_token.span(),
                format!(
                    "take the event by value: `{}`, not `{}` (the handler owns its event)",
                    render(&reference.elem),
                    render(ty)
                ),
            ));
        }
        Type::ImplTrait(_) => {
            let offer = match route {
                RouteSpec::Kind(kind) => format!("{} delivers {}", route_name(*kind), delivered(*kind)),
                RouteSpec::Default => "a default handler takes `RawEvent` or `serde_json::Value`".to_owned(),
            };
            return Err(syn::Error::new_spanned(
                ty,
                format!("name the event's type, the framework decodes the event into it: {offer}"),
            ));
        }
        _ => {}
    }
    if let Some(inner) = wrapped_in(ty, "Option") {
        return Err(syn::Error::new_spanned(
            ty,
            format!(
                "a handler is only called with an event: take `{}`, not `{}` (to decode an event yourself, take `RawEvent`)",
                render(inner),
                render(ty)
            ),
        ));
    }
    let Some(shape) = shape(ty) else {
        return Ok(());
    };
    if ANY_EVENT.contains(&shape.as_str()) {
        return Ok(());
    }
    let mut owners: Vec<Kind> = DELIVERIES
        .iter()
        .filter(|(_, _, of)| *of == shape)
        .map(|(kind, ..)| *kind)
        .collect();
    owners.dedup();
    if owners.is_empty() {
        // Not a type of the framework: the compiler's trait check speaks for it.
        return Ok(());
    }
    let written = render(ty);
    let keys: Vec<String> = owners.iter().map(|k| format!("`{}`", k.key())).collect();
    let delivered_by = match keys.len() {
        1 => format!("`{written}` is what {} delivers", keys[0]),
        2 | 3 => format!("`{written}` is what {} deliver", join(&keys, "and")),
        n => format!(
            "`{written}` is what {n} routes deliver, such as {}",
            join(&keys[..3], "and")
        ),
    };
    match route {
        RouteSpec::Kind(kind) if owners.contains(kind) => Ok(()),
        RouteSpec::Kind(kind) => Err(syn::Error::new_spanned(
            ty,
            format!(
                "{} does not deliver `{written}`; it delivers {} ({delivered_by})",
                route_name(*kind),
                delivered(*kind),
            ),
        )),
        RouteSpec::Default => Err(syn::Error::new_spanned(
            ty,
            format!(
                "a default handler receives events of any kind, so it takes `RawEvent` or `serde_json::Value`, not `{written}` ({delivered_by}: give it a handler of its own)"
            ),
        )),
    }
}

/// What route `kind` delivers, as a list: "`SqsEvent` (the whole event), ... or `RawEvent` /
/// `serde_json::Value` (its JSON as it came)".
pub fn delivered(kind: Kind) -> String {
    let mut items: Vec<String> = kind
        .delivers()
        .iter()
        .map(|d| {
            let json = d.ty.starts_with("Json<");
            let how = match (d.receives, json) {
                (Receives::WholeEvent, false) => "the whole event",
                (Receives::EachRecord, false) => "one record at a time",
                (Receives::WholeEvent, true) => "its payload, as your type `T`",
                (Receives::EachRecord, true) => "each record's payload, as your type `T`",
            };
            format!("`{}` ({how})", d.ty)
        })
        .collect();
    items.push("`RawEvent` / `serde_json::Value` (its JSON as it came)".to_owned());
    join(&items, "or")
}

/// The route as the user wrote it: its key, or the CloudEvents attribute.
fn route_name(kind: Kind) -> String {
    match kind {
        Kind::CloudEvents => "`#[on_cloudevent]` (route `cloudevents`)".to_owned(),
        kind => format!("route `{}`", kind.key()),
    }
}

/// `a, b or c`.
fn join(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., end] => format!("{} {last} {end}", rest.join(", ")),
    }
}

/// The type `ty` wraps if it is `Wrapper<X>`.
fn wrapped_in<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    first_type_argument(&last.arguments)
}

fn first_type_argument(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// What identifies a type among the framework's: its name, without its path and type
/// parameters (`Json<Order>` is `Json`); `Vec<X>` keeps `X`'s.
pub fn shape(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let name = last.ident.to_string();
    if name == "Vec" {
        let inner = first_type_argument(&last.arguments)?;
        return Some(format!("Vec<{}>", shape(inner)?));
    }
    Some(name)
}

/// Every delivery of every kind with its type's [`shape`], in the kinds table's order: read
/// once per compiler process, for all the handlers it expands.
static DELIVERIES: LazyLock<Vec<(Kind, Delivered, String)>> = LazyLock::new(|| {
    Kind::ALL
        .iter()
        .flat_map(|kind| kind.delivers().into_iter().map(move |d| (*kind, d)))
        .filter_map(|(kind, d)| Some((kind, d, shape_of_text(d.ty)?)))
        .collect()
});

/// What `kind` delivers in the type of shape `shape`.
pub fn deliveries_of(kind: Kind, shape: &str) -> Vec<Delivered> {
    DELIVERIES
        .iter()
        .filter(|(of_kind, _, of)| *of_kind == kind && of == shape)
        .map(|(_, delivered, _)| *delivered)
        .collect()
}

/// [`shape`] of a type written as text in the kinds table.
fn shape_of_text(text: &str) -> Option<String> {
    shape(&syn::parse_str::<Type>(text).ok()?)
}

/// A type as the user would write it (`Option<S3Event>`, not `Option < S3Event >`).
pub fn render(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    text.replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("& ", "&")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ty: &str, route: RouteSpec) -> Result<(), String> {
        check_event(&syn::parse_str(ty).unwrap(), &route).map_err(|e| e.to_string())
    }

    #[test]
    fn the_types_a_route_delivers_pass() {
        for ty in [
            "SqsEvent",
            "SqsMessage",
            "Json<Order>",
            "RawEvent",
            "serde_json::Value",
            "events::SqsEvent",
        ] {
            assert_eq!(check(ty, RouteSpec::Kind(Kind::Sqs)), Ok(()), "{ty}");
        }
        assert_eq!(
            check("Vec<AppSyncDirectResolverEvent>", RouteSpec::Kind(Kind::AppSync)),
            Ok(())
        );
        // Unknown to the framework: left to the compiler.
        assert_eq!(check("MyAlias", RouteSpec::Kind(Kind::Sqs)), Ok(()));
        assert_eq!(check("RawEvent", RouteSpec::Default), Ok(()));
    }

    #[test]
    fn a_type_of_another_route_names_what_this_one_delivers() {
        let error = check("S3Event", RouteSpec::Kind(Kind::Sqs)).unwrap_err();
        assert_eq!(
            error,
            "route `aws.sqs` does not deliver `S3Event`; it delivers `SqsEvent` (the whole event), `SqsMessage` (one record at a time), `Json<T>` (each record's payload, as your type `T`) or `RawEvent` / `serde_json::Value` (its JSON as it came) (`S3Event` is what `aws.s3` delivers)"
        );
        let error = check("Json<Order>", RouteSpec::Kind(Kind::S3)).unwrap_err();
        assert!(
            error.contains(
                "(`Json<Order>` is what 18 routes deliver, such as `cloudevents`, `aws.sqs` and `aws.sns`)"
            ),
            "{error}"
        );
        let error = check("S3Event", RouteSpec::Default).unwrap_err();
        assert!(
            error.starts_with("a default handler receives events of any kind"),
            "{error}"
        );
    }

    #[test]
    fn references_options_and_impl_trait_say_what_to_write() {
        let error = check("&S3Event", RouteSpec::Kind(Kind::S3)).unwrap_err();
        assert_eq!(
            error,
            "take the event by value: `S3Event`, not `&S3Event` (the handler owns its event)"
        );
        let error = check("Option<S3Event>", RouteSpec::Kind(Kind::S3)).unwrap_err();
        assert!(
            error
                .starts_with("a handler is only called with an event: take `S3Event`, not `Option<S3Event>`"),
            "{error}"
        );
        let error = check("impl serde::de::DeserializeOwned", RouteSpec::Kind(Kind::S3)).unwrap_err();
        assert!(error.contains(": route `aws.s3` delivers `S3Event` (the whole event), `S3EventRecord` (one record at a time) or"), "{error}");
    }
}
