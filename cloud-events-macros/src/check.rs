//! Checks of the handler function's signature, before any code is generated.

use crate::parse::Errors;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, PatType, ReturnType, Type};

/// The parts of a handler's signature the expansion needs.
pub struct Signature<'a> {
    pub event: &'a Type,
    pub injected: Vec<&'a Type>,
    /// The function returns a `Result` (its last path segment is named `Result`).
    pub returns_result: bool,
}

pub fn signature(function: &ItemFn) -> syn::Result<Signature<'_>> {
    let mut errors = Errors::default();
    let sig = &function.sig;
    if !sig.generics.params.is_empty() {
        errors.at(
            sig.generics.span(),
            "handlers cannot be generic: the framework calls them with concrete types; write one handler per type",
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.at(
            where_clause.span(),
            "handlers cannot have a `where` clause: remove it",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic.span(), "handlers cannot be variadic");
    }
    let mut typed = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.at(
                receiver.span(),
                "handlers are free functions: remove `self` (share state with a `Dep<T>` parameter instead)",
            ),
            FnArg::Typed(PatType { ty, .. }) => {
                if let Type::ImplTrait(impl_trait) = &**ty {
                    errors.at(
                        impl_trait.span(),
                        "handler parameters need concrete types, not `impl Trait`",
                    );
                }
                typed.push(&**ty);
            }
        }
    }
    if sig.inputs.is_empty() {
        errors.at(
            sig.ident.span(),
            "a handler takes the event as its first parameter, e.g. `event: S3Event` (or `event: RawEvent`)",
        );
    }
    errors.finish()?;
    let returns_result = match &sig.output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => match &**ty {
            Type::Path(path) => path
                .path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == "Result"),
            _ => false,
        },
    };
    Ok(Signature {
        event: typed[0],
        injected: typed[1..].to_vec(),
        returns_result,
    })
}
