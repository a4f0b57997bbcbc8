//! Start-up checks of dependency injection (every `Dep<T>` a handler or factory needs is a
//! registered value or made by a factory, without cycles) and of idempotent handlers (a
//! store, and a key for each).

use crate::error::StartupError;
use crate::invocation::Container;
use crate::param::Param;
use crate::registry::HandlerRegistration;

/// Checks, before the first event, that every parameter of every handler can be made: each
/// needed type has a value or a factory, recursively, without cycles.
pub(crate) fn check_dependencies(
    container: &Container,
    handlers: &[&'static HandlerRegistration],
) -> Result<(), StartupError> {
    for handler in handlers {
        for param in handler.params {
            let mut chain = Vec::new();
            check_param(container, param, &mut chain)
                .map_err(|problem| problem.into_error(handler, param))?;
        }
    }
    Ok(())
}

/// Checks that every idempotent handler has a store to keep its records in, a key to take
/// from its events, and records of its own (no other handler's key prefix). Without the
/// `idempotency` feature no handler is idempotent (the attribute does not compile).
#[cfg(feature = "idempotency")]
pub(crate) fn check_idempotency(
    container: &Container,
    handlers: &[&'static HandlerRegistration],
) -> Result<(), StartupError> {
    let mut prefixes: std::collections::HashMap<&str, &HandlerRegistration> = Default::default();
    for &handler in handlers {
        let Some(spec) = handler.idempotent else { continue };
        let problem = |problem: String| StartupError::IdempotencyKey {
            handler: handler.path(),
            location: handler.location(),
            problem,
        };
        let store = std::any::TypeId::of::<crate::idempotency::Idempotency>();
        if !container.values.contains(store) && !container.factories.contains_key(&store) {
            return Err(StartupError::IdempotencyNotConfigured {
                handler: handler.path(),
                location: handler.location(),
            });
        }
        if let (None, crate::registry::Route::Kind(kind)) = (spec.key, handler.route) {
            let receives = if handler.per_record {
                cloud_events_core::Receives::EachRecord
            } else {
                cloud_events_core::Receives::WholeEvent
            };
            if kind.idempotency_key_for(receives).is_none() {
                return Err(problem(format!(
                    "`{}` events carry no id that stays the same when they are delivered again: name the key, as in idempotent(key = \"body.orderId\")",
                    kind.key()
                )));
            }
        }
        let prefix = spec.prefix.unwrap_or(handler.name);
        if let Some(other) = prefixes.insert(prefix, handler) {
            return Err(problem(format!(
                "its idempotency records would share the key prefix `{prefix}` with handler `{}` ({}): give one of them `idempotent(prefix = \"...\")`",
                other.path(),
                other.location()
            )));
        }
    }
    Ok(())
}

fn check_param(container: &Container, param: &Param, chain: &mut Vec<&'static str>) -> Result<(), Problem> {
    let Some((type_id, type_name)) = (param.requirement)() else {
        return Ok(());
    };
    if container.values.contains(type_id) {
        return Ok(());
    }
    let Some(factory) = container.factories.get(&type_id) else {
        return Err(Problem::Missing {
            type_name,
            chain: chain.clone(),
        });
    };
    if chain.contains(&type_name) {
        chain.push(type_name);
        return Err(Problem::Cycle { chain: chain.clone() });
    }
    chain.push(type_name);
    for inner in factory.params {
        check_param(container, inner, chain)?;
    }
    chain.pop();
    Ok(())
}

enum Problem {
    Missing {
        type_name: &'static str,
        chain: Vec<&'static str>,
    },
    Cycle {
        chain: Vec<&'static str>,
    },
}

impl Problem {
    fn into_error(self, handler: &HandlerRegistration, param: &Param) -> StartupError {
        match self {
            Problem::Missing { type_name, chain } => StartupError::MissingDependency {
                handler: handler.path(),
                location: handler.location(),
                parameter: param.name,
                type_name,
                through: chain.join(" -> "),
            },
            Problem::Cycle { chain } => StartupError::DependencyCycle {
                handler: handler.path(),
                parameter: param.name,
                cycle: chain.join(" -> "),
            },
        }
    }
}
