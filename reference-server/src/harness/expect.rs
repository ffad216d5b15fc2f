//! Expect-style counts of runs, checked when the test ends, with a readable
//! report of what did not match.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use http::HeaderMap;
use serde_json::Value;

use crate::engine::RunSnapshot;

/// How many matching runs an [`Expectation`] wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Times {
    /// Exactly n.
    Exactly(usize),
    /// n or more.
    AtLeast(usize),
    /// n or fewer.
    AtMost(usize),
}

impl Times {
    fn holds(self, got: usize) -> bool {
        match self {
            Self::Exactly(n) => got == n,
            Self::AtLeast(n) => got >= n,
            Self::AtMost(n) => got <= n,
        }
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exactly(n) => write!(f, "exactly {n}"),
            Self::AtLeast(n) => write!(f, "at least {n}"),
            Self::AtMost(n) => write!(f, "at most {n}"),
        }
    }
}

/// How many runs of a workflow should start, and with what: counted as the
/// runs start (whatever face started them, and even if retention evicts
/// them later), checked by [`ReferenceServer::verify`] and when the server
/// is dropped.
///
/// ```
/// use serde_json::json;
/// use trigger_sdk_reference_server::harness::Expectation;
///
/// let signups = Expectation::runs_of("SendEmailDemo001")
///     .with_input(json!({"body": {"subject": "Welcome"}}))
///     .with_header("x-request-source", "signup")
///     .times(1)
///     .named("one welcome e-mail");
/// let nothing_else = Expectation::runs_of("BrokenFlowDemo01").never();
/// # let _ = (signups, nothing_else);
/// ```
///
/// [`ReferenceServer::verify`]: crate::ReferenceServer::verify
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    workflow: String,
    input: Option<Value>,
    headers: Vec<(String, String)>,
    times: Times,
    name: Option<String>,
}

impl Expectation {
    /// Runs of the workflow with this id (any input), at least once unless
    /// said otherwise.
    pub fn runs_of(workflow_id: &str) -> Self {
        Self {
            workflow: workflow_id.to_owned(),
            input: None,
            headers: Vec::new(),
            times: Times::AtLeast(1),
            name: None,
        }
    }

    /// Only runs whose input contains `subset`: every key of an object in
    /// `subset` is present with a matching value; other values are equal.
    pub fn with_input(mut self, subset: Value) -> Self {
        self.input = Some(subset);
        self
    }

    /// Only runs started by a request with this header (name in any case,
    /// value exact).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Exactly `n` matching runs.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Times::Exactly(n);
        self
    }

    /// At least `n` matching runs.
    pub fn at_least(mut self, n: usize) -> Self {
        self.times = Times::AtLeast(n);
        self
    }

    /// At most `n` matching runs.
    pub fn at_most(mut self, n: usize) -> Self {
        self.times = Times::AtMost(n);
        self
    }

    /// No matching run.
    pub fn never(self) -> Self {
        self.times(0)
    }

    /// A name for the report.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    fn describe(&self) -> String {
        let mut text = match &self.name {
            Some(name) => format!("{name} (runs of {:?}", self.workflow),
            None => format!("runs of {:?}", self.workflow),
        };
        if let Some(input) = &self.input {
            text.push_str(&format!(" with input ⊇ {input}"));
        }
        for (name, value) in &self.headers {
            text.push_str(&format!(" with header {name}: {value}"));
        }
        if self.name.is_some() {
            text.push(')');
        }
        text
    }

    /// Why a run of the workflow does not match: None when it does.
    fn mismatch(&self, input: &Value, headers: &HeaderMap) -> Option<String> {
        if let Some(subset) = &self.input
            && let Some(diff) = first_difference(subset, input, "input")
        {
            return Some(diff);
        }
        for (name, value) in &self.headers {
            let got = headers
                .get(name.as_str())
                .map(|v| String::from_utf8_lossy(v.as_bytes()));
            match got {
                Some(got) if got == value.as_str() => {}
                Some(got) => return Some(format!("header {name}: {got:?}, expected {value:?}")),
                None => return Some(format!("header {name} missing, expected {value:?}")),
            }
        }
        None
    }
}

/// Where `got` first fails to contain `want`, as `path: got …, expected …`.
fn first_difference(want: &Value, got: &Value, path: &str) -> Option<String> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w.iter().find_map(|(k, wv)| {
            let at = format!("{path}.{k}");
            match g.get(k) {
                Some(gv) => first_difference(wv, gv, &at),
                None => Some(format!("{at} missing, expected {wv}")),
            }
        }),
        (w, g) if w == g => None,
        (w, g) => Some(format!("{path} is {g}, expected {w}")),
    }
}

/// Runs that did not match, kept per expectation for the report.
const NEAR_MISSES: usize = 5;

struct Entry {
    expectation: Expectation,
    matched: usize,
    near_misses: VecDeque<String>,
}

/// The expectations of a server and their counts so far.
#[derive(Default)]
pub(crate) struct Expectations {
    entries: Mutex<Vec<Entry>>,
    count: AtomicUsize,
}

impl Expectations {
    fn lock(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn add(&self, expectation: Expectation) -> usize {
        let mut entries = self.lock();
        entries.push(Entry {
            expectation,
            matched: 0,
            near_misses: VecDeque::new(),
        });
        self.count.store(entries.len(), Ordering::Release);
        entries.len() - 1
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
        self.count.store(0, Ordering::Release);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count.load(Ordering::Acquire) == 0
    }

    /// Counts a run that just started.
    pub(crate) fn observe(&self, run: &RunSnapshot) {
        if self.is_empty() {
            return;
        }
        for entry in self.lock().iter_mut() {
            if *entry.expectation.workflow != *run.workflow_id {
                continue;
            }
            match entry.expectation.mismatch(&run.input, &run.headers) {
                None => entry.matched += 1,
                Some(why) => {
                    if entry.near_misses.len() == NEAR_MISSES {
                        entry.near_misses.pop_front();
                    }
                    entry
                        .near_misses
                        .push_back(format!("run {}: {why}", run.id));
                }
            }
        }
    }

    /// Every expectation with its count, in the order they were added.
    pub(crate) fn report(&self) -> Report {
        let lines = self
            .lock()
            .iter()
            .map(|e| Checked {
                description: e.expectation.describe(),
                times: e.expectation.times,
                got: e.matched,
                met: e.expectation.times.holds(e.matched),
                near_misses: e.near_misses.iter().cloned().collect(),
            })
            .collect();
        Report { lines }
    }
}

/// One expectation as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checked {
    /// What it wanted, in words.
    pub description: String,
    /// How many it wanted.
    pub times: Times,
    /// How many matching runs started.
    pub got: usize,
    /// Whether `got` satisfies `times`.
    pub met: bool,
    /// The latest runs of the workflow that did not match, and why.
    pub near_misses: Vec<String>,
}

/// The state of every expectation; its `Display` is the readable report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    lines: Vec<Checked>,
}

impl Report {
    /// Whether every expectation is met.
    pub fn is_met(&self) -> bool {
        self.lines.iter().all(|l| l.met)
    }

    /// Each expectation as checked.
    pub fn expectations(&self) -> &[Checked] {
        &self.lines
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unmet = self.lines.iter().filter(|l| !l.met).count();
        if unmet == 0 {
            writeln!(f, "all {} expectations met", self.lines.len())?;
        } else {
            writeln!(f, "{unmet} of {} expectations not met:", self.lines.len())?;
        }
        for line in &self.lines {
            let mark = if line.met { "ok  " } else { "FAIL" };
            writeln!(
                f,
                "  {mark} {}: expected {}, got {}",
                line.description, line.times, line.got
            )?;
            if !line.met {
                for miss in &line.near_misses {
                    writeln!(f, "         not matched: {miss}")?;
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for Report {}
