//! Start-up checks of dependency injection: every `Dep<T>` a handler or factory needs is a
//! registered value or made by a factory, without cycles.

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
