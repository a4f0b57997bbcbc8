//! What a handler's parameters are taken from: the invocation (event, classification,
//! context, its caches), the container of registered values and factories it draws on, and
//! the factories' registrations. A factory takes its own parameters from the invocation, and
//! the container holds the factories: the three are defined together, below everything that
//! registers, injects or dispatches, so that none of those imports another to reach them.

use crate::context::Context;
use crate::dependencies::Dependencies;
use crate::error::{DispatchError, StartupError};
use crate::param::Param;
use crate::releases::Releases;
use crate::routed::RoutedRun;
use cloud_events_core::{Classification, RawEvent};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Everything a handler's parameters are taken from: what a
/// [`FromInvocation`](crate::FromInvocation) implementation of yours reads.
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, Context, DispatchError, FromInvocation, Invocation, Kind, RawEvent, on_event};
///
/// struct Region(&'static str);
///
/// /// Where the event is from, and which region the function is configured for.
/// struct Origin { route: String, bytes: usize, region: &'static str, request: String }
///
/// impl FromInvocation for Origin {
///     async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
///         let region = invocation.dependencies().get::<Region>().map_or("unknown", |region| (*region).0);
///         Ok(Origin {
///             route: invocation.classification().route_key().to_owned(),
///             bytes: invocation.event().json().len(),
///             region,
///             request: invocation.context().request_id.clone(),
///         })
///     }
/// }
///
/// #[on_event(default)]
/// fn any(_event: RawEvent, origin: Origin) -> String {
///     format!("{} from {} ({} bytes, {})", origin.route, origin.region, origin.bytes, origin.request)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = App::new().dep(Region("eu-west-1")).dispatcher().unwrap();
/// let answer = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(1, "demo")).await.unwrap();
/// assert!(answer.as_str().unwrap().starts_with("aws.sqs from eu-west-1 ("));
/// assert!(answer.as_str().unwrap().ends_with(" bytes, local-1)"));
/// # }
/// ```
#[derive(Debug)]
pub struct Invocation {
    event: RawEvent,
    classification: Classification,
    context: Context,
    container: Arc<Container>,
    cache: ValueCache,
    record_concurrency: usize,
    routed: Option<RoutedRun>,
    releases: Option<Arc<Releases>>,
}

impl Invocation {
    pub(crate) fn new(
        event: RawEvent,
        classification: Classification,
        context: Context,
        container: Arc<Container>,
        record_concurrency: usize,
        routed: Option<RoutedRun>,
        releases: Option<Arc<Releases>>,
    ) -> Self {
        Invocation {
            event,
            classification,
            context,
            container,
            cache: ValueCache::default(),
            record_concurrency,
            routed,
            releases,
        }
    }

    /// The event's JSON.
    pub fn event(&self) -> &RawEvent {
        &self.event
    }

    /// What the classifier found.
    pub fn classification(&self) -> &Classification {
        &self.classification
    }

    /// The Lambda context (or its local stand-in).
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The values registered at start-up.
    pub fn dependencies(&self) -> &Dependencies {
        &self.container.values
    }

    pub(crate) fn container(&self) -> &Container {
        &self.container
    }

    pub(crate) fn cache(&self) -> &ValueCache {
        &self.cache
    }

    pub(crate) fn record_concurrency(&self) -> usize {
        self.record_concurrency
    }

    pub(crate) fn routed(&self) -> Option<&RoutedRun> {
        self.routed.as_ref()
    }

    /// What its handlers have claimed, to give back if it is cut short; there only when an
    /// idempotent handler runs.
    #[cfg_attr(not(feature = "idempotency"), allow(dead_code))]
    pub(crate) fn releases(&self) -> Option<&Releases> {
        self.releases.as_deref()
    }
}

/// Registered values, factories by the type they make, and the process-wide cache.
#[derive(Debug, Default)]
pub(crate) struct Container {
    pub(crate) values: Dependencies,
    pub(crate) factories: HashMap<TypeId, &'static FactoryRegistration>,
    pub(crate) process_cache: ValueCache,
}

impl Container {
    /// Indexes the factories; two factories of one type are a start-up error.
    pub(crate) fn new(
        values: Dependencies,
        factories: impl IntoIterator<Item = &'static FactoryRegistration>,
    ) -> Result<Self, StartupError> {
        let mut by_type: HashMap<TypeId, &'static FactoryRegistration> = HashMap::new();
        for factory in factories {
            if let Some(first) = by_type.insert((factory.type_id)(), factory) {
                return Err(StartupError::DuplicateFactory {
                    type_name: factory.type_name,
                    first: first.path(),
                    second: factory.path(),
                });
            }
        }
        Ok(Container {
            values,
            factories: by_type,
            process_cache: ValueCache::default(),
        })
    }
}

/// A made value, type-erased.
pub type AnyValue = Arc<dyn Any + Send + Sync>;

/// The future of one factory call.
pub type FactoryFuture<'a> = Pin<Box<dyn Future<Output = Result<AnyValue, DispatchError>> + Send + 'a>>;

/// How long a factory's value lives.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Dep, Dependencies, Dispatcher, Kind, Options, RawEvent, dependency, on_event};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static MADE: AtomicUsize = AtomicUsize::new(0);
/// struct Client;
///
/// /// Made at first use, then shared by every invocation.
/// #[dependency(scope = "process")]
/// fn client() -> Client {
///     MADE.fetch_add(1, Ordering::SeqCst);
///     Client
/// }
///
/// #[on_event("aws.s3")]
/// fn uploaded(_event: RawEvent, _client: Dep<Client>) {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// for request in 1..=3 {
///     dispatcher.dispatch(Kind::S3.sample(), Context::local(request, "demo")).await.unwrap();
/// }
/// assert_eq!(MADE.load(Ordering::SeqCst), 1);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Made once per process, at first use, and shared by every invocation after: the place
    /// for SDK clients and connection pools (Lambda keeps the process between invocations).
    Process,
    /// Made once per invocation and shared by all handlers (and factories) of it. The default.
    Invocation,
    /// Made anew for every parameter that asks for it.
    Transient,
}

impl Scope {
    /// The name used in `#[dependency(scope = "...")]`.
    ///
    /// ```
    /// use cloud_events_lambda::__private::Scope;
    /// assert_eq!(Scope::Process.name(), "process");
    /// assert_eq!(Scope::Invocation.name(), "invocation");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Scope::Process => "process",
            Scope::Invocation => "invocation",
            Scope::Transient => "transient",
        }
    }
}

/// The arguments given at the handler site (`#[dep("slack")] notifier: Dep<Notifier>`), for a
/// factory that takes a `DepArgs` parameter. Values made from different arguments are cached
/// apart.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Dep, DepArgs, Dependencies, Dispatcher, Kind, Options, RawEvent, dependency, on_event};
///
/// struct Channel(String);
///
/// #[dependency]
/// fn channel(args: DepArgs) -> Result<Channel, String> {
///     let name = args.get(0).ok_or("name a channel: #[dep(\"...\")]")?;
///     Ok(Channel(format!("#{name}")))
/// }
///
/// #[on_event("aws.cloudwatch.alarm")]
/// fn alarm(_event: RawEvent, #[dep("oncall")] channel: Dep<Channel>) -> String {
///     channel.0.clone()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let response = dispatcher.dispatch(Kind::CloudWatchAlarm.sample(), Context::local(1, "demo")).await;
/// assert_eq!(response.unwrap(), "#oncall");
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DepArgs(pub &'static [&'static str]);

impl DepArgs {
    /// The `index`-th argument.
    ///
    /// ```
    /// use cloud_events_lambda::DepArgs;
    /// let args = DepArgs(&["slack", "#alerts"]); // from `#[dep("slack", "#alerts")]`
    /// assert_eq!(args.get(1), Some("#alerts"));
    /// assert_eq!(args.get(2), None);
    /// ```
    pub fn get(&self, index: usize) -> Option<&'static str> {
        self.0.get(index).copied()
    }

    /// All arguments.
    ///
    /// ```
    /// use cloud_events_lambda::DepArgs;
    /// assert_eq!(DepArgs(&["slack", "#alerts"]).all(), ["slack", "#alerts"]);
    /// assert!(DepArgs::default().all().is_empty()); // a plain `Dep<T>`
    /// ```
    pub fn all(&self) -> &'static [&'static str] {
        self.0
    }
}

/// One `#[dependency]` factory, as the macro registers it.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Dep, Dependencies, Dispatcher, Options, RawEvent, StartupError, dependency, on_event};
///
/// struct Config;
/// struct Client;
///
/// /// Registers a `FactoryRegistration` for `Client`, with one parameter.
/// #[dependency(scope = "process")]
/// fn client(_config: Dep<Config>) -> Client { Client }
///
/// #[on_event("aws.s3")]
/// fn uploaded(_event: RawEvent, _client: Dep<Client>) {}
///
/// # fn main() {
/// // Start-up follows the factory's parameters: nothing makes a `Config`.
/// let error = Dispatcher::new(Dependencies::new(), Options::default()).unwrap_err();
/// let StartupError::MissingDependency { parameter, type_name, through, .. } = error else { panic!("{error}") };
/// assert_eq!(parameter, "_client");
/// assert!(type_name.ends_with("Config") && through.ends_with("Client"), "{type_name} {through}");
/// # }
/// ```
pub struct FactoryRegistration {
    /// The type it makes.
    pub type_id: fn() -> TypeId,
    /// That type's name as written.
    pub type_name: &'static str,
    /// How long its value lives.
    pub scope: Scope,
    /// The function's name.
    pub name: &'static str,
    /// The module the function is in.
    pub module_path: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line of the attribute.
    pub line: u32,
    /// Its injected parameters.
    pub params: &'static [Param],
    /// Calls the factory.
    pub make: for<'a> fn(&'a Invocation, DepArgs) -> FactoryFuture<'a>,
}

impl FactoryRegistration {
    /// `module::function`.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, StartupError, on_event};
    ///
    /// mod clocks {
    ///     use cloud_events_lambda::dependency;
    ///     pub struct Clock;
    ///     #[dependency]
    ///     fn system() -> Clock { Clock }
    ///     #[dependency]
    ///     fn fixed() -> Clock { Clock }
    /// }
    ///
    /// #[on_event(default)]
    /// fn anything(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// // Two factories make a `Clock`: start-up names both by their paths.
    /// let error = Dispatcher::new(Dependencies::new(), Options::default()).unwrap_err();
    /// let StartupError::DuplicateFactory { first, second, .. } = error else { panic!("{error}") };
    /// let mut paths = [first, second];
    /// paths.sort();
    /// assert_eq!(paths, ["rust_out::clocks::fixed", "rust_out::clocks::system"]);
    /// # }
    /// ```
    pub fn path(&self) -> String {
        format!("{}::{}", self.module_path, self.name)
    }
}

impl fmt::Debug for FactoryRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactoryRegistration")
            .field("type", &self.type_name)
            .field("scope", &self.scope)
            .field("path", &self.path())
            .finish()
    }
}

inventory::collect!(FactoryRegistration);

/// Every registered factory.
pub fn registered_factories() -> impl Iterator<Item = &'static FactoryRegistration> {
    inventory::iter::<FactoryRegistration>.into_iter()
}

/// A cached value's key: the type made and the arguments it was made from.
pub(crate) type CacheKey = (TypeId, DepArgs);

/// Values made once and shared, by type and arguments.
#[derive(Default)]
pub(crate) struct ValueCache {
    cells: Mutex<HashMap<CacheKey, Arc<OnceCell<AnyValue>>>>,
}

impl ValueCache {
    pub(crate) fn cell(&self, key: CacheKey) -> Arc<OnceCell<AnyValue>> {
        let mut cells = self.cells.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(cells.entry(key).or_default())
    }

    /// How many values it holds.
    pub(crate) fn len(&self) -> usize {
        let cells = self.cells.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cells.values().filter(|cell| cell.initialized()).count()
    }
}

impl fmt::Debug for ValueCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueCache({} values)", self.len())
    }
}
