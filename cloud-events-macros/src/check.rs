//! Checks of the handler or factory function's signature, before any code is generated.

use crate::parse::Errors;
use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, LitStr, Pat, PatType, PathArguments, ReturnType, Token, Type};

/// One parameter that is injected (every parameter of a factory, every one after the event of
/// a handler).
pub struct Injected {
    pub ty: Type,
    pub name: String,
    /// `#[dep("a", "b")]`: arguments for the factory, with the `T` of the `Dep<T>`.
    pub dep_args: Option<(Vec<LitStr>, Type)>,
    /// The parameter is a factory's `DepArgs`.
    pub is_dep_args: bool,
}

/// The parts of a signature the expansion needs.
pub struct Signature {
    pub event: Option<Type>,
    pub injected: Vec<Injected>,
    /// The function returns a `Result` (its last path segment is named `Result`).
    pub returns_result: bool,
}

/// What is being checked: handlers take the event first; factories do not.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Handler,
    Factory,
}

/// Checks the signature and removes the `#[dep(...)]` attributes from `function`'s parameters
/// (they are ours, not the compiler's).
pub fn signature(function: &mut ItemFn, role: Role) -> syn::Result<Signature> {
    let mut errors = Errors::default();
    let sig = &mut function.sig;
    if !sig.generics.params.is_empty() {
        errors.at(
            sig.generics.span(),
            "handlers and factories cannot be generic: the framework calls them with concrete types",
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.at(
            where_clause.span(),
            "handlers and factories cannot have a `where` clause: remove it",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic.span(), "handlers cannot be variadic");
    }
    let mut typed = Vec::new();
    for (position, input) in sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(receiver) => errors.at(
                receiver.span(),
                "handlers and factories are free functions: remove `self` (share state with a `Dep<T>` parameter instead)",
            ),
            FnArg::Typed(param) => {
                // A handler's event is checked against its route (`event_param.rs`).
                let event = role == Role::Handler && position == 0;
                if let (Type::ImplTrait(impl_trait), false) = (&*param.ty, event) {
                    errors.at(impl_trait.span(), "parameters need concrete types, not `impl Trait`");
                }
                typed.push(read_param(param, &mut errors));
            }
        }
    }
    let mut injected = typed.into_iter();
    let event = match role {
        Role::Handler => match injected.next() {
            Some(first) => {
                if let Some((args, _)) = &first.dep_args {
                    errors.at(
                        args.first().map_or(Span::call_site(), LitStr::span),
                        "the first parameter is the event: `#[dep]` goes on later parameters",
                    );
                }
                Some(first.ty)
            }
            None => {
                errors.at(
                    sig.ident.span(),
                    "a handler takes the event as its first parameter, e.g. `event: S3Event` (or `event: RawEvent`)",
                );
                None
            }
        },
        Role::Factory => None,
    };
    let injected: Vec<Injected> = injected.collect();
    for param in &injected {
        if param.is_dep_args && role == Role::Handler {
            errors.at(
                param.ty.span(),
                "`DepArgs` is for #[dependency] factories: handlers give arguments with `#[dep(\"...\")]`",
            );
        }
    }
    let returns_result = match &sig.output {
        ReturnType::Default => {
            if role == Role::Factory {
                errors.at(
                    sig.ident.span(),
                    "a #[dependency] factory returns the value it makes (or a Result of it)",
                );
            }
            false
        }
        ReturnType::Type(_, ty) => last_segment(ty).is_some_and(|segment| segment.ident == "Result"),
    };
    errors.finish()?;
    Ok(Signature {
        event,
        injected,
        returns_result,
    })
}

/// The type a factory makes: its return type, or the `T` of `Result<T, E>`.
pub fn made_type(function: &ItemFn, returns_result: bool) -> syn::Result<Type> {
    let ReturnType::Type(_, ty) = &function.sig.output else {
        return Err(syn::Error::new(
            function.sig.ident.span(),
            "a #[dependency] factory returns the value it makes",
        ));
    };
    if !returns_result {
        return Ok((**ty).clone());
    }
    first_generic(ty).ok_or_else(|| syn::Error::new(ty.span(), "write the made type as `Result<T, E>`"))
}

fn read_param(param: &mut PatType, errors: &mut Errors) -> Injected {
    let name = match &*param.pat {
        Pat::Ident(ident) => ident.ident.to_string(),
        _ => "_".to_owned(),
    };
    let mut dep_args = None;
    let mut kept = Vec::new();
    for attr in param.attrs.drain(..) {
        if !attr.path().is_ident("dep") {
            kept.push(attr);
            continue;
        }
        let args = match attr.parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated) {
            Ok(args) => args.into_iter().collect::<Vec<_>>(),
            Err(_) => {
                errors.at(
                    attr.span(),
                    "`#[dep(...)]` takes string arguments for the factory, e.g. #[dep(\"slack\")]",
                );
                continue;
            }
        };
        match dep_inner(&param.ty) {
            Some(inner) => dep_args = Some((args, inner)),
            None => errors.at(
                param.ty.span(),
                "`#[dep(...)]` goes on a `Dep<T>` parameter: its arguments are for `T`'s factory",
            ),
        }
    }
    param.attrs = kept;
    let is_dep_args = last_segment(&param.ty).is_some_and(|segment| segment.ident == "DepArgs");
    Injected {
        ty: (*param.ty).clone(),
        name,
        dep_args,
        is_dep_args,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) => path.path.segments.last(),
        _ => None,
    }
}

fn first_generic(ty: &Type) -> Option<Type> {
    let PathArguments::AngleBracketed(args) = &last_segment(ty)?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    })
}

/// The `T` of `Dep<T>`.
fn dep_inner(ty: &Type) -> Option<Type> {
    if last_segment(ty)?.ident != "Dep" {
        return None;
    }
    first_generic(ty)
}
