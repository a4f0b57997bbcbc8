//! The generated code: the function as written, a wrapper that takes its parameters from the
//! invocation, and the registration that `inventory` collects.

use crate::check::{Injected, Role, made_type, signature};
use crate::parse::{
    Attribute, FactorySpec, FilterSpec, HandlerSpec, IdempotentSpec, PatternSpec, RouteSpec, parse,
    parse_factory,
};
use cloud_events_core::Kind;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

fn private() -> TokenStream {
    quote!(::cloud_events_lambda::__private)
}

/// Parses the attribute and checks the function, reporting both sets of mistakes together.
fn parse_both<S>(
    parsed: syn::Result<S>,
    item: TokenStream,
    role: Role,
) -> syn::Result<(S, ItemFn, crate::check::Signature)> {
    let mut function: ItemFn = syn::parse2(item)?;
    let sig = signature(&mut function, role);
    match (parsed, sig) {
        (Ok(spec), Ok(sig)) => Ok((spec, function, sig)),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            Err(a)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

pub fn expand(attribute: Attribute, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let (spec, function, sig) = parse_both(parse(attribute, args), item, Role::Handler)?;
    if let Some(event) = &sig.event {
        crate::event_param::check_event(event, &spec.route)?;
        if let (Some(when), RouteSpec::Kind(kind)) = (&spec.when, &spec.route) {
            crate::when_paths::check_when(when, *kind, event)?;
        }
        if let (Some(idempotent), RouteSpec::Kind(kind)) = (&spec.idempotent, &spec.route) {
            check_idempotent_key(idempotent, *kind, event)?;
        }
    }
    let krate = private();
    let name = &function.sig.ident;
    let name_text = name.to_string();
    let wrapper = format_ident!("__cloud_events_handler_{}", name);
    let event_ty = sig.event.as_ref().expect("handlers have an event parameter");

    let route = match &spec.route {
        RouteSpec::Kind(kind) => {
            let variant = syn::Ident::new(kind.marker_type(), Span::call_site());
            quote!(#krate::Route::Kind(::cloud_events_lambda::Kind::#variant))
        }
        RouteSpec::Default => quote!(#krate::Route::Default),
    };
    let filter = filter(&spec);
    let when = match &spec.when {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    };
    let injection = Injection::new(&sig.injected);
    let params = &injection.values;
    let resolve = &injection.resolve;
    let param_specs = &injection.specs;
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
    // Serialised and formatted here, in the user's crate: a value that is not `Serialize`, or
    // an error that is not `Display`, is reported at the return type in serde's and std's words.
    let output = if sig.returns_result {
        quote_spanned! {output_span=>
            match __output {
                ::core::result::Result::Ok(__value) => #krate::json_answer(#krate::serde::Serialize::serialize(&__value, #krate::JsonValueSerializer)),
                ::core::result::Result::Err(__error) => ::core::result::Result::Err(#krate::handler_failed(#name_text, ::std::format!("{:#}", __error))),
            }
        }
    } else {
        quote_spanned!(output_span=> #krate::json_answer(#krate::serde::Serialize::serialize(&__output, #krate::JsonValueSerializer)))
    };
    let rank = spec.rank;
    let adapted = spec.adapted;
    let per_record = match &spec.route {
        RouteSpec::Kind(kind) => {
            let marker = syn::Ident::new(kind.marker_type(), Span::call_site());
            quote_spanned! {event_ty.span()=> <#event_ty as #krate::EventOf<#krate::marker::#marker>>::PER_RECORD }
        }
        RouteSpec::Default => quote!(false),
    };
    let run = quote! {
        #(#resolve)*
        let __output = #call;
        #output
    };
    // The handler's `Idempotent`, one static read by the wrapper and the registration.
    let idempotent_name = format_ident!("__cloud_events_idempotent_{}", name);
    let (idempotent_field, idempotent_item) = match &spec.idempotent {
        Some(idempotent) => {
            let value = idempotent_spec(idempotent);
            let check = quote_spanned!(idempotent.span=> #krate::idempotency_feature!(););
            let item = quote! {
                #check
                #[doc(hidden)]
                #[allow(non_upper_case_globals)]
                static #idempotent_name: #krate::Idempotent = #value;
            };
            (quote!(::core::option::Option::Some(&#idempotent_name)), item)
        }
        None => (quote!(::core::option::Option::None), quote!()),
    };
    // The event type's checks (does the kind deliver it?) are spanned on the parameter.
    let body = match &spec.route {
        RouteSpec::Kind(kind) => {
            let marker = syn::Ident::new(kind.marker_type(), Span::call_site());
            let split = quote_spanned! {event_ty.span()=>
                <#event_ty as #krate::EventOf<#krate::marker::#marker>>::deliver
            };
            match &spec.idempotent {
                None => quote! {
                    #krate::deliver(__invocation, #name_text, #split, |__event: #event_ty| async move { #run }).await
                },
                Some(_) => quote! {
                    #krate::idempotent_deliver(__invocation, #name_text, &#idempotent_name, #split, |__event: #event_ty| async move { #run }).await
                },
            }
        }
        RouteSpec::Default => {
            let decode = quote_spanned! {event_ty.span()=> #krate::decode_any::<#event_ty>(__invocation)? };
            match &spec.idempotent {
                None => quote! {
                    let __event = #decode;
                    #run
                },
                Some(_) => quote! {
                    #krate::idempotent_default(__invocation, #name_text, &#idempotent_name, async move {
                        let __event = #decode;
                        #run
                    }).await
                },
            }
        }
    };

    Ok(quote! {
        #function

        #idempotent_item

        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #wrapper(__invocation: &#krate::Invocation) -> #krate::HandlerFuture<'_> {
            ::std::boxed::Box::pin(async move { #body })
        }

        #krate::inventory::submit! {
            #krate::HandlerRegistration {
                route: #route,
                filter: #filter,
                when: #when,
                per_record: #per_record,
                adapted: #adapted,
                rank: #rank,
                idempotent: #idempotent_field,
                name: #name_text,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                params: &[#(#param_specs),*],
                call: #wrapper,
            }
        }
    })
}

pub fn expand_factory(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let (spec, function, sig) = parse_both(parse_factory(args), item, Role::Factory)?;
    let FactorySpec { scope } = spec;
    let krate = private();
    let made = made_type(&function, sig.returns_result)?;
    let name = &function.sig.ident;
    let name_text = name.to_string();
    let wrapper = format_ident!("__cloud_events_factory_{}", name);
    let injection = Injection::new(&sig.injected);
    let params = &injection.values;
    let resolve = &injection.resolve;
    let param_specs = &injection.specs;
    let call = if function.sig.asyncness.is_some() {
        quote!(#name(#(#params),*).await)
    } else {
        quote!(#name(#(#params),*))
    };
    let output = if sig.returns_result {
        quote_spanned!(made.span()=> #krate::factory_result::<#made, _>(__output, ::core::concat!(::core::module_path!(), "::", #name_text)))
    } else {
        quote_spanned!(made.span()=> #krate::factory_value::<#made>(__output))
    };
    let scope = format_ident!("{}", capitalize(scope));
    let made_text = quote!(#made).to_string().replace(' ', "");

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #wrapper(__invocation: &#krate::Invocation, __args: #krate::DepArgs) -> #krate::FactoryFuture<'_> {
            let _ = &__args;
            ::std::boxed::Box::pin(async move {
                #(#resolve)*
                let __output = #call;
                #output
            })
        }

        #krate::inventory::submit! {
            #krate::FactoryRegistration {
                type_id: ::core::any::TypeId::of::<#made>,
                type_name: #made_text,
                scope: #krate::Scope::#scope,
                name: #name_text,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                params: &[#(#param_specs),*],
                make: #wrapper,
            }
        }
    })
}

/// The code that resolves injected parameters: one `let` each, and their start-up specs.
struct Injection {
    values: Vec<syn::Ident>,
    resolve: Vec<TokenStream>,
    specs: Vec<TokenStream>,
}

impl Injection {
    fn new(injected: &[Injected]) -> Self {
        let krate = private();
        let mut out = Injection {
            values: Vec::new(),
            resolve: Vec::new(),
            specs: Vec::new(),
        };
        for (i, param) in injected.iter().enumerate() {
            let value = format_ident!("__param{}", i);
            let ty = &param.ty;
            let name = &param.name;
            let (resolve, requirement) = if param.is_dep_args {
                (
                    quote!(let #value = __args;),
                    quote!(|| ::core::option::Option::None),
                )
            } else if let Some((args, inner)) = &param.dep_args {
                (
                    quote_spanned! {ty.span()=>
                        let #value = #krate::resolve_with_args::<#inner>(__invocation, &[#(#args),*]).await?;
                    },
                    quote_spanned!(ty.span()=> #krate::dep_requirement::<#inner>),
                )
            } else {
                (
                    quote_spanned! {ty.span()=>
                        let #value = <#ty as #krate::FromInvocation>::from_invocation(__invocation).await?;
                    },
                    quote_spanned!(ty.span()=> <#ty as #krate::FromInvocation>::requirement),
                )
            };
            out.values.push(value);
            out.resolve.push(resolve);
            out.specs
                .push(quote!(#krate::Param { name: #name, requirement: #requirement }));
        }
        out
    }
}

/// `Idempotent { .. }` for the registration and the wrapper.
fn idempotent_spec(spec: &IdempotentSpec) -> TokenStream {
    let krate = private();
    let text = |text: &Option<syn::LitStr>| match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    };
    let (key, validate, prefix) = (text(&spec.key), text(&spec.validate), text(&spec.prefix));
    let expires_after = spec.expires_after;
    quote! {
        #krate::Idempotent {
            key: #key,
            validate: #validate,
            expires_after: #expires_after,
            prefix: #prefix,
        }
    }
}

/// An idempotent handler of `kind` taking `event` has a key: one it names (checked against
/// the kind's sample like a `when` path), or the one its kind's source gives.
fn check_idempotent_key(spec: &IdempotentSpec, kind: Kind, event: &syn::Type) -> syn::Result<()> {
    let mut errors = crate::parse::Errors::default();
    for (path, what) in [(&spec.key, "idempotency `key`"), (&spec.validate, "`validate`")] {
        if let Some(path) = path
            && let Err(error) = crate::when_paths::check_path(path, what, kind, event)
        {
            errors.push(error);
        }
    }
    if spec.key.is_none()
        && let Some(receives) = crate::when_paths::receives(kind, event)
        && kind.idempotency_key_for(receives).is_none()
    {
        let why = match kind.idempotency_key() {
            Some(_) => format!(
                "`{}` events have an id, but a handler called once per record needs one per record",
                kind.key()
            ),
            None => format!(
                "`{}` events carry no id that stays the same when they are delivered again (a retried request is a new request with a new id)",
                kind.key()
            ),
        };
        errors.at(
            spec.span,
            format!("{why}: name the key, as in `idempotent(key = \"body.orderId\")`, with the path of a field that identifies the work"),
        );
    }
    errors.finish()
}

fn filter(spec: &HandlerSpec) -> TokenStream {
    let krate = private();
    let pattern = |pattern: &Option<PatternSpec>| match pattern {
        Some(PatternSpec::Exact(text)) => quote!(::core::option::Option::Some(#krate::Pattern::Exact(#text))),
        Some(PatternSpec::Prefix(text)) => {
            quote!(::core::option::Option::Some(#krate::Pattern::Prefix(#text)))
        }
        None => quote!(::core::option::Option::None),
    };
    let FilterSpec { source, ty, subject } = &spec.filter;
    let (source, ty, subject) = (pattern(source), pattern(ty), pattern(subject));
    quote!(#krate::Filter { source: #source, ty: #ty, subject: #subject })
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
