//! The generated code: the function as written, a wrapper that takes its parameters from the
//! invocation, and the registration that `inventory` collects.

use crate::check::signature;
use crate::parse::{Attribute, RouteSpec, parse};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

pub fn expand(attribute: Attribute, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let function: ItemFn = syn::parse2(item)?;
    // Report attribute and signature mistakes together.
    let spec = parse(attribute, args);
    let sig = signature(&function);
    let (spec, sig) = match (spec, sig) {
        (Ok(spec), Ok(sig)) => (spec, sig),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };

    let krate = quote!(::cloud_events_lambda::__private);
    let name = &function.sig.ident;
    let name_text = name.to_string();
    let wrapper = format_ident!("__cloud_events_handler_{}", name);
    let event_ty = sig.event;

    let decode = match &spec.route {
        RouteSpec::Kind(kind) => {
            let marker = syn::Ident::new(kind.marker_type(), Span::call_site());
            quote_spanned! {event_ty.span()=>
                #krate::decode_event::<#krate::marker::#marker, #event_ty>(__invocation)?
            }
        }
        RouteSpec::CloudEvent { .. } => quote_spanned! {event_ty.span()=>
            #krate::decode_event::<#krate::marker::CloudEvents, #event_ty>(__invocation)?
        },
        RouteSpec::Default => quote_spanned! {event_ty.span()=>
            #krate::decode_any::<#event_ty>(__invocation)?
        },
    };
    let route = match &spec.route {
        RouteSpec::Kind(kind) => {
            let variant = syn::Ident::new(kind.marker_type(), Span::call_site());
            quote!(#krate::Route::Kind(::cloud_events_lambda::Kind::#variant))
        }
        RouteSpec::CloudEvent { source, ty } => {
            let source = option(source.as_ref());
            let ty = option(ty.as_ref());
            quote!(#krate::Route::CloudEvent { source: #source, ty: #ty })
        }
        RouteSpec::Default => quote!(#krate::Route::Default),
    };

    let params: Vec<_> = (0..sig.injected.len())
        .map(|i| format_ident!("__param{}", i))
        .collect();
    let injections = sig.injected.iter().zip(&params).map(|(ty, param)| {
        quote_spanned! {ty.span()=>
            let #param = <#ty as #krate::FromInvocation>::from_invocation(__invocation)?;
        }
    });
    let requirements = sig.injected.iter().map(|ty| {
        quote_spanned! {ty.span()=> <#ty as #krate::FromInvocation>::requirement }
    });
    let call = if function.sig.asyncness.is_some() {
        quote!(#name(__event #(, #params)*).await)
    } else {
        quote!(#name(__event #(, #params)*))
    };
    // Spanned on the return type, so that "not Serialize" / "not Display" point at it.
    let output_span = match &function.sig.output {
        syn::ReturnType::Default => function.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let output = if sig.returns_result {
        quote_spanned!(output_span=> #krate::result_output(__output, #name_text))
    } else {
        quote_spanned!(output_span=> #krate::value_output(__output))
    };
    let rank = spec.rank;

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #wrapper(__invocation: &#krate::Invocation) -> #krate::HandlerFuture<'_> {
            ::std::boxed::Box::pin(async move {
                let __event = #decode;
                #(#injections)*
                let __output = #call;
                #output
            })
        }

        #krate::inventory::submit! {
            #krate::HandlerRegistration {
                route: #route,
                rank: #rank,
                name: #name_text,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                requires: &[#(#requirements),*],
                call: #wrapper,
            }
        }
    })
}

fn option(value: Option<&syn::LitStr>) -> TokenStream {
    match value {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}
