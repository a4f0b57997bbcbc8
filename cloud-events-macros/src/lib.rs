//! The `#[on_event]` and `#[on_cloudevent]` attributes. Use them through `cloud-events-lambda`,
//! whose documentation describes them; their expansions name `::cloud_events_lambda` only.
//!
//! Set `CLOUD_EVENTS_DEBUG_EXPANSION=1` while building to print each expansion on stderr.

mod check;
mod expand;
mod parse;

use proc_macro::TokenStream;

/// Registers a function as the handler of one kind of event (`#[on_event("aws.s3")]`), or of
/// whatever no other handler matches (`#[on_event(default)]`). Takes `rank = N` too.
#[proc_macro_attribute]
pub fn on_event(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(args, item, parse::Attribute::OnEvent)
}

/// Registers a function as the handler of CloudEvents with the given `source` and/or `type`
/// (`#[on_cloudevent(source = "/orders", type = "com.example.order.created")]`).
#[proc_macro_attribute]
pub fn on_cloudevent(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(args, item, parse::Attribute::OnCloudEvent)
}

fn expand_with(args: TokenStream, item: TokenStream, attribute: parse::Attribute) -> TokenStream {
    let item2: proc_macro2::TokenStream = item.clone().into();
    let output = match expand::expand(attribute, args.into(), item2.clone()) {
        Ok(tokens) => tokens,
        // Keep the function itself, so that one mistake in the attribute does not add a
        // cascade of "cannot find function" errors.
        Err(error) => {
            let errors = error.into_compile_error();
            quote::quote! { #errors #item2 }
        }
    };
    if std::env::var_os("CLOUD_EVENTS_DEBUG_EXPANSION").is_some() {
        eprintln!("{output}");
    }
    output.into()
}
