//! What the handlers record through the `metrics` facade (`counter!`, `gauge!`,
//! `histogram!`), and the built-in metrics, kept per invocation until the dispatcher writes
//! them out ([`measured`]).
//!
//! Each invocation runs in a scope of its own (a task-local), so that values recorded while
//! it runs go out with it, whatever else runs at the same time (concurrent invocations, tests
//! in threads). Values recorded outside any invocation (at start-up, in a spawned task) are
//! kept process-wide and go out with the next invocation that ends. A handle kept beyond its
//! invocation (a `Counter` stored in a static) keeps working: once its invocation has ended,
//! what it records goes to the process-wide values.

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError, RwLock};

/// The three kinds of metric the facade records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum MetricKind {
    /// `counter!`: a sum of increments.
    Counter = 0,
    /// `gauge!`: the last value set.
    Gauge,
    /// `histogram!`: every value recorded.
    Histogram,
}

/// A metric's values over one invocation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    /// What a counter was incremented by.
    Counter(u64),
    /// A gauge's value at the end.
    Gauge(f64),
    /// A histogram's values, in the order recorded.
    Histogram(Vec<f64>),
}

/// One metric of one invocation: its name and labels, unit, and values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub(crate) key: Key,
    pub(crate) unit: Option<Unit>,
    pub(crate) values: Values,
}

tokio::task_local! {
    /// The values of the invocation running on this task.
    static CURRENT: Arc<Scope>;
}

/// Values recorded outside any invocation.
static PROCESS: LazyLock<Scope> = LazyLock::new(|| Scope::new(false));

/// Units, as `describe_*!` gave them, by metric name (for the whole process).
static UNITS: LazyLock<RwLock<HashMap<KeyName, Unit>>> = LazyLock::new(Default::default);

/// Runs `work` as one invocation's scope and returns, with its output, every series it
/// recorded, then those recorded outside any invocation since the last one ended. The
/// built-in metrics are recorded in it only if `builtin`.
///
/// Not an `async fn`: one would hold `work` twice (as its argument, and moved into the scope
/// it awaits), doubling the future every invocation carries (6.3 KB instead of 3.1 KB, for
/// each invocation in flight under `AWS_LAMBDA_MAX_CONCURRENCY`).
pub(crate) fn measured<F: Future>(work: F, builtin: bool) -> impl Future<Output = (F::Output, Vec<Series>)> {
    let scope = Arc::new(Scope::new(builtin));
    futures_util::FutureExt::map(CURRENT.scope(Arc::clone(&scope), work), move |output| {
        let mut series = scope.close();
        series.extend(PROCESS.drain());
        (output, series)
    })
}

/// Whether the running invocation records the built-in metrics: false outside invocations
/// and when the application did not ask for them, so that they cost one check.
pub(crate) fn builtin_on() -> bool {
    CURRENT.try_with(|scope| scope.builtin).unwrap_or(false)
}

/// Adds `value` to the built-in counter `key()` of the running invocation, if it records
/// the built-in metrics (whatever recorder the `metrics` facade has).
pub(crate) fn count_builtin(key: impl FnOnce() -> Key, value: u64) {
    let _ = CURRENT.try_with(|scope| {
        if scope.builtin {
            scope.cell(MetricKind::Counter, &key()).add(value);
        }
    });
}

/// Records `value` in the built-in histogram `key()` of the running invocation, if it
/// records the built-in metrics.
pub(crate) fn observe_builtin(key: impl FnOnce() -> Key, value: f64) {
    let _ = CURRENT.try_with(|scope| {
        if scope.builtin {
            scope.cell(MetricKind::Histogram, &key()).push(value);
        }
    });
}

/// Gives the unit of the metric named `name` (what the facade's `describe_*!` do too).
pub(crate) fn describe(name: KeyName, unit: Unit) {
    let known = UNITS.read().unwrap_or_else(PoisonError::into_inner).get(&name) == Some(&unit);
    if !known {
        UNITS
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, unit);
    }
}

/// Runs `work` on the running invocation's scope, or the process's outside invocations.
fn with_scope<T>(work: impl FnOnce(&Scope) -> T) -> T {
    match CURRENT.try_with(Arc::clone) {
        Ok(scope) => work(&scope),
        Err(_) => work(&PROCESS),
    }
}

/// Installs the facade's recorder for the process, once: `counter!` and the others then
/// record into the running invocation. Returns false if another recorder was installed
/// first (the application's own): the facade's metrics go to it, not to EMF.
pub(crate) fn install() -> bool {
    *INSTALLED.get_or_init(|| metrics::set_global_recorder(FacadeRecorder).is_ok())
}

/// Whether the facade records into invocations (see [`install`]).
pub(crate) fn installed() -> bool {
    INSTALLED.get() == Some(&true)
}

static INSTALLED: OnceLock<bool> = OnceLock::new();

/// The recorder the `metrics` facade calls.
struct FacadeRecorder;

impl FacadeRecorder {
    fn describe(name: KeyName, unit: Option<Unit>) {
        if let Some(unit) = unit {
            describe(name, unit);
        }
    }
}

impl Recorder for FacadeRecorder {
    fn describe_counter(&self, name: KeyName, unit: Option<Unit>, _: SharedString) {
        Self::describe(name, unit);
    }
    fn describe_gauge(&self, name: KeyName, unit: Option<Unit>, _: SharedString) {
        Self::describe(name, unit);
    }
    fn describe_histogram(&self, name: KeyName, unit: Option<Unit>, _: SharedString) {
        Self::describe(name, unit);
    }
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(with_scope(|scope| scope.cell(MetricKind::Counter, key)))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(with_scope(|scope| scope.cell(MetricKind::Gauge, key)))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(with_scope(|scope| scope.cell(MetricKind::Histogram, key)))
    }
}

/// The metrics one invocation (or the process, outside invocations) recorded.
struct Scope {
    /// By kind (counters, gauges, histograms), then key.
    cells: Mutex<[HashMap<Key, Arc<Cell>>; 3]>,
    /// False once its invocation has ended (always true for the process's scope).
    open: Arc<AtomicBool>,
    /// Whether the built-in metrics are recorded in it.
    builtin: bool,
}

impl Scope {
    fn new(builtin: bool) -> Self {
        Scope {
            cells: Mutex::new(Default::default()),
            open: Arc::new(AtomicBool::new(true)),
            builtin,
        }
    }

    fn cell(&self, kind: MetricKind, key: &Key) -> Arc<Cell> {
        let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        let cells = &mut cells[kind as usize];
        if let Some(cell) = cells.get(key) {
            return Arc::clone(cell);
        }
        let cell = Arc::new(Cell {
            kind,
            key: key.clone(),
            open: Arc::clone(&self.open),
            touched: AtomicBool::new(false),
            number: AtomicU64::new(0),
            values: Mutex::new(Vec::new()),
        });
        cells.insert(key.clone(), Arc::clone(&cell));
        cell
    }

    /// Takes the values recorded so far: the series of every cell touched since the last
    /// drain, reset. Gauges keep their value (an increment goes on from it) but are only
    /// reported again once set again.
    fn drain(&self) -> Vec<Series> {
        let cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        let units = UNITS.read().unwrap_or_else(PoisonError::into_inner);
        cells
            .iter()
            .flat_map(HashMap::iter)
            .filter_map(|(key, cell)| cell.take().map(|values| Series::new(key.clone(), &units, values)))
            .collect()
    }

    /// Takes every series of a scope whose invocation has ended, with its cells (its keys
    /// move into the series; handles still held record into the process's scope).
    fn close(&self) -> Vec<Series> {
        self.open.store(false, Ordering::Release);
        let cells = std::mem::take(&mut *self.cells.lock().unwrap_or_else(PoisonError::into_inner));
        let units = UNITS.read().unwrap_or_else(PoisonError::into_inner);
        cells
            .into_iter()
            .flatten()
            .filter_map(|(key, cell)| cell.take().map(|values| Series::new(key, &units, values)))
            .collect()
    }
}

impl Series {
    fn new(key: Key, units: &HashMap<KeyName, Unit>, values: Values) -> Self {
        let unit = units.get(key.name()).copied();
        Series { key, unit, values }
    }
}

/// One metric's values in one scope.
struct Cell {
    kind: MetricKind,
    key: Key,
    /// Its scope's: false once its invocation has ended.
    open: Arc<AtomicBool>,
    /// Recorded since the last drain.
    touched: AtomicBool,
    /// A counter's sum, or a gauge's value as `f64` bits.
    number: AtomicU64,
    /// A histogram's values.
    values: Mutex<Vec<f64>>,
}

impl Cell {
    /// Its values since the last take, if it was touched, reset (a gauge keeps its value).
    fn take(&self) -> Option<Values> {
        if !self.touched.swap(false, Ordering::AcqRel) {
            return None;
        }
        Some(match self.kind {
            MetricKind::Counter => Values::Counter(self.number.swap(0, Ordering::AcqRel)),
            MetricKind::Gauge => Values::Gauge(f64::from_bits(self.number.load(Ordering::Acquire))),
            MetricKind::Histogram => Values::Histogram(std::mem::take(
                &mut *self.values.lock().unwrap_or_else(PoisonError::into_inner),
            )),
        })
    }

    /// Runs `work` on the cell that takes what this handle records now: itself while its
    /// scope is open, else the process's cell of the same metric.
    fn on_live<T>(&self, work: impl FnOnce(&Cell) -> T) -> T {
        if self.open.load(Ordering::Acquire) {
            work(self)
        } else {
            work(&PROCESS.cell(self.kind, &self.key))
        }
    }

    fn add(&self, value: u64) {
        self.number.fetch_add(value, Ordering::AcqRel);
        self.touched.store(true, Ordering::Release);
    }

    fn push(&self, value: f64) {
        self.values
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(value);
        self.touched.store(true, Ordering::Release);
    }

    fn update_gauge(&self, change: impl Fn(f64) -> f64) {
        let _ = self
            .number
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |bits| {
                Some(change(f64::from_bits(bits)).to_bits())
            });
        self.touched.store(true, Ordering::Release);
    }
}

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        self.on_live(|cell| cell.add(value));
    }
    /// A counter set to an absolute value reports that value for the invocation.
    fn absolute(&self, value: u64) {
        self.on_live(|cell| {
            cell.number.store(value, Ordering::Release);
            cell.touched.store(true, Ordering::Release);
        });
    }
}

impl GaugeFn for Cell {
    fn increment(&self, value: f64) {
        self.on_live(|cell| cell.update_gauge(|now| now + value));
    }
    fn decrement(&self, value: f64) {
        self.on_live(|cell| cell.update_gauge(|now| now - value));
    }
    fn set(&self, value: f64) {
        self.on_live(|cell| cell.update_gauge(|_| value));
    }
}

impl HistogramFn for Cell {
    fn record(&self, value: f64) {
        self.on_live(|cell| cell.push(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests share the process's scope: one at a time.
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    fn value_of<'a>(series: &'a [Series], name: &str) -> Option<&'a Values> {
        series.iter().find(|s| s.key.name() == name).map(|s| &s.values)
    }

    #[tokio::test]
    async fn each_invocation_gets_what_it_recorded_and_nothing_more() {
        let _serial = SERIAL.lock().await;
        assert!(install());
        let first = measured(
            async {
                metrics::counter!("scoped_calls").increment(2);
                metrics::counter!("scoped_calls").increment(3);
                metrics::gauge!("scoped_depth").set(4.0);
                metrics::histogram!("scoped_latency").record(1.5);
                metrics::histogram!("scoped_latency").record(2.5);
            },
            false,
        );
        let second = measured(async { metrics::counter!("scoped_calls").increment(7) }, false);
        // Run side by side on one task: each records into its own scope.
        let ((_, first), (_, second)) = tokio::join!(first, second);
        assert_eq!(value_of(&first, "scoped_calls"), Some(&Values::Counter(5)));
        assert_eq!(value_of(&first, "scoped_depth"), Some(&Values::Gauge(4.0)));
        assert_eq!(
            value_of(&first, "scoped_latency"),
            Some(&Values::Histogram(vec![1.5, 2.5]))
        );
        assert_eq!(value_of(&second, "scoped_calls"), Some(&Values::Counter(7)));
        assert_eq!(value_of(&second, "scoped_depth"), None);
        // The next invocation starts empty.
        let (_, third) = measured(async {}, false).await;
        assert!(
            third.iter().all(|s| !s.key.name().starts_with("scoped_")),
            "{third:?}"
        );
    }

    #[tokio::test]
    async fn a_handle_kept_past_its_invocation_records_into_the_next() {
        let _serial = SERIAL.lock().await;
        assert!(install());
        let (counter, _) = measured(async { metrics::counter!("kept_handle") }, false).await;
        counter.increment(9);
        let (_, next) = measured(async {}, false).await;
        assert_eq!(value_of(&next, "kept_handle"), Some(&Values::Counter(9)));
        let (_, after) = measured(async {}, false).await;
        assert_eq!(value_of(&after, "kept_handle"), None);
    }

    #[tokio::test]
    async fn built_in_metrics_are_recorded_only_when_asked_for() {
        let _serial = SERIAL.lock().await;
        let key = || Key::from_name("builtin_probe");
        let (_, off) = measured(async { count_builtin(key, 1) }, false).await;
        assert_eq!(value_of(&off, "builtin_probe"), None);
        let (_, on) = measured(
            async {
                assert!(builtin_on());
                count_builtin(key, 1);
                observe_builtin(key, 2.0);
            },
            true,
        )
        .await;
        assert_eq!(value_of(&on, "builtin_probe"), Some(&Values::Counter(1)));
        assert!(on.iter().any(|s| s.values == Values::Histogram(vec![2.0])));
        assert!(!builtin_on());
        // Outside any invocation, nothing is kept for later.
        count_builtin(key, 1);
        let (_, later) = measured(async {}, true).await;
        assert_eq!(value_of(&later, "builtin_probe"), None);
    }
}
