//! The `#[on_event]` and `#[on_cloudevent]` attributes. Use them through `cloud-events-lambda`,
//! whose documentation describes them; their expansions name `::cloud_events_lambda` only.
//!
//! Set `CLOUD_EVENTS_DEBUG_EXPANSION=1` while building to print each expansion on stderr.

mod check;
mod event_param;
mod expand;
mod parse;
mod when_paths;

use proc_macro::TokenStream;

/// Registers a function as the handler of one kind of event (`#[on_event("aws.s3")]`), or of
/// whatever no other handler matches (`#[on_event(default)]`). Takes `rank = N` too.
///
/// Every argument (`rank`, `when`, the shorthands), with examples: the guide's *Handlers* and
/// *Conditions* chapters (`cloud_events_lambda::_guide::handlers`, `::conditions`);
/// `idempotent` (run once per key, feature `idempotency`): its *Idempotency* chapter.
#[proc_macro_attribute]
pub fn on_event(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(args, item, parse::Attribute::OnEvent)
}

/// Registers a function as the handler of CloudEvents with the given `source` and/or `type`
/// (`#[on_cloudevent(source = "/orders", type = "com.example.order.created")]`).
///
/// Every argument (`subject`, a trailing `*` for a prefix, `when`, `rank`), with examples: the
/// guide's *Handlers* and *Conditions* chapters (`cloud_events_lambda::_guide::handlers`,
/// `::conditions`); `adapted = true` (other kinds' events as CloudEvents): its *CloudEvents*
/// chapter.
#[proc_macro_attribute]
pub fn on_cloudevent(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(args, item, parse::Attribute::OnCloudEvent)
}

/// Registers a function as the factory of the type it returns, for `Dep<T>` parameters that
/// have no registered value: `#[dependency]` (a new value per invocation, shared by its
/// handlers), `#[dependency(scope = "process")]` (once per process) or
/// `#[dependency(scope = "transient")]` (every use).
///
/// Factories may be async, return a `Result` and take injectable parameters (and `DepArgs`, the
/// arguments of `#[dep("...")]` at the handler); examples: the guide's *Dependency injection*
/// chapter (`cloud_events_lambda::_guide::dependencies`).
#[proc_macro_attribute]
pub fn dependency(args: TokenStream, item: TokenStream) -> TokenStream {
    finish(expand::expand_factory(args.into(), item.clone().into()), item)
}

fn expand_with(args: TokenStream, item: TokenStream, attribute: parse::Attribute) -> TokenStream {
    finish(expand::expand(attribute, args.into(), item.clone().into()), item)
}

fn finish(result: syn::Result<proc_macro2::TokenStream>, item: TokenStream) -> TokenStream {
    let output = match result {
        Ok(tokens) => tokens,
        // Keep the function itself, so that one mistake in the attribute does not add a
        // cascade of "cannot find function" errors.
        Err(error) => {
            let errors = error.into_compile_error();
            let item2 = strip_dep_attributes(item.into());
            quote::quote! { #errors #item2 }
        }
    };
    if std::env::var_os("CLOUD_EVENTS_DEBUG_EXPANSION").is_some() {
        eprintln!("{output}");
    }
    output.into()
}

/// The function as written, less our `#[dep(...)]` parameter attributes, to emit beside the
/// errors (so that one mistake does not cascade into "cannot find function").
fn strip_dep_attributes(item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(mut function) => {
            for input in function.sig.inputs.iter_mut() {
                if let syn::FnArg::Typed(param) = input {
                    param.attrs.retain(|attr| !attr.path().is_ident("dep"));
                }
            }
            quote::quote!(#function)
        }
        Err(_) => item,
    }
}
