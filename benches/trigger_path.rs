//! The SDK's full trigger path against raw `reqwest`, on the same reference
//! server in the same run, and the memory of 10,000 handles waiting at once.
//!
//! `cargo bench --bench trigger_path` prints, for `WebhookTrigger::trigger`
//! (n8n lastNode webhook with header auth; the result taken with
//! `RunHandle::into_outcome`, and again with `wait`, which copies it out of
//! a handle that stays usable; and the typed `WebhookTrigger::send`, which
//! returns the answer without a handle) and `RunsClient::run` (runs API,
//! idempotency key, envelope decoded), sequentially and at 64 requests in
//! flight (at 64 twice for `trigger` + `into_outcome` and `run`: with the
//! default cap of 32 requests in flight, so half the calls queue, and with
//! the cap at 64, as many connections as raw `reqwest` opens): µs per
//! request of wall time and of client CPU time (the client runs on one
//! thread, measured by `/proc/thread-self/schedstat`; the server runs on its
//! own threads; with 2 CPUs or more, the client's thread is
//! pinned to one and the server's to another), and the ratios SDK / raw.
//! Each row is 25 pairs of short rounds, raw and SDK back to back; it prints
//! the medians and, in brackets, the quartiles of the pairs' ratios, so a
//! slow spell of a shared machine neither picks a row's ratio nor hides how
//! far the pairs spread. First it starts 10,000
//! `RunsHandle::wait`s at once against a server that keeps the runs
//! `running` for a while, and prints the peak RSS and the connections the
//! server saw. It measures; it asserts nothing.
//!
//! `TRIGGER_PATH_ROWS` runs only some rows: parts of their names, each
//! optionally with `@` and the concurrency, separated by `,` (e.g.
//! `TRIGGER_PATH_ROWS="n8n trigger + into_outcome@1,handles"`).
//!
//! CPU time moves with the load of the machine. For a count that does not,
//! run one loop under callgrind, e.g.
//! `TRIGGER_PATH_PROFILE=sdk TRIGGER_PATH_ROUNDS=3 valgrind --tool=callgrind
//! --separate-threads=yes <bench binary> --bench`, the same with `raw`, and
//! again with `TRIGGER_PATH_ROUNDS=1`: the difference of the client thread's
//! instructions over the 4,096 requests between the two is its cost per
//! request, free of start-up (`TRIGGER_PATH_PROFILE=raw|sdk|sdk-wait|sdk-send` for n8n,
//! `raw-runs|sdk-runs` for the runs API, `sdk-wide|sdk-runs-wide` with the
//! cap at 64; `@64` after the name runs 64 in flight). With
//! `--cache-sim=yes --branch-sim=yes` callgrind also counts L1 misses and
//! mispredicted branches, which cost the SDK side more than its instructions
//! (its futures and buffers are fresh heap memory where raw `reqwest` reuses
//! one task's).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{Json, Router, extract::Path, routing::get, serve::ListenerExt};
use futures::future::join_all;
use reqwest::header::USER_AGENT;
use serde_json::{Value, json};
use trigger_sdk::transport::{DEFAULT_MAX_CONCURRENT_REQUESTS, USER_AGENT_VALUE};
use trigger_sdk::{
    RunHandle, Trigger, TriggerRequest, WaitOptions, n8n::WebhookTrigger, runs::RunRequest,
    runs::RunsClient,
};
use trigger_sdk_reference_server::{ReferenceServer, creds, demo};

/// Requests in one round of a profiled loop (`TRIGGER_PATH_PROFILE`).
const REQUESTS: usize = 2_048;
/// Requests in one round of a compared row, and the pairs of rounds.
const ROUND_REQUESTS: usize = 512;
const PAIRS: usize = 25;
const CONCURRENT: usize = 64;
const HANDLES: usize = 10_000;

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// Peak and current RSS of the process, in MiB.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The CPUs this process may run on, in order (Linux; elsewhere none, and
/// the bench runs unpinned).
fn allowed_cpus() -> Vec<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `cpu_set_t` is plain data, all zeroes is an empty set;
        // `sched_getaffinity` writes at most `size_of::<cpu_set_t>()` bytes
        // into it, and `CPU_ISSET` reads within it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
                return Vec::new();
            }
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
                .collect()
        }
    }
    #[cfg(not(target_os = "linux"))]
    Vec::new()
}

/// Pins the calling thread to `cpu`; threads it starts afterwards inherit
/// that. Without a CPU (`None`) it does nothing.
fn pin_to(cpu: Option<usize>) {
    #[cfg(target_os = "linux")]
    if let Some(cpu) = cpu {
        // SAFETY: as in `allowed_cpus`; `CPU_SET` writes within the set, and
        // `sched_setaffinity(0, ..)` changes only the calling thread.
        let pinned = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
        };
        if !pinned {
            eprintln!("could not pin a thread to CPU {cpu}; it runs unpinned");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}

/// Starts the reference server (demo set, rate limits off) on a runtime of
/// its own, on its own thread, pinned to `cpu`; returns its base URL.
fn start_server(cpu: Option<usize>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        pin_to(cpu);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let mut config = demo();
            config.runs.execute_per_minute = u32::MAX;
            config.runs.reads_per_minute = u32::MAX;
            config.runs.writes_per_minute = u32::MAX;
            let server = ReferenceServer::start(config).await.expect("server");
            tx.send(server.base_url()).expect("send the URL");
            futures::future::pending::<()>().await;
        });
    });
    rx.recv().expect("server URL")
}

/// Wall and client CPU time of `requests` calls of `call`, `concurrency` in flight.
async fn measure<F, Fut>(requests: usize, concurrency: usize, call: &F) -> (Duration, Duration)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let cpu = thread_cpu();
    let start = Instant::now();
    let per_task = requests / concurrency;
    join_all((0..concurrency).map(|task| async move {
        for i in 0..per_task {
            call(task * per_task + i).await;
        }
    }))
    .await;
    (start.elapsed(), thread_cpu() - cpu)
}

/// Whether the row `name` at `concurrency` runs: `TRIGGER_PATH_ROWS`
/// (e.g. `"n8n trigger + into_outcome@1"`) names the rows to run, each as a
/// part of its name and optionally `@` and its concurrency, separated by
/// `,`; unset, every row runs.
fn selected(name: &str, concurrency: usize) -> bool {
    let Ok(rows) = std::env::var("TRIGGER_PATH_ROWS") else {
        return true;
    };
    rows.split(',').any(|row| match row.rsplit_once('@') {
        Some((part, at)) => name.contains(part) && at.parse() == Ok(concurrency),
        None => name.contains(row),
    })
}

/// µs per request of `d`, spent on `requests` requests.
fn us(d: Duration, requests: usize) -> f64 {
    d.as_secs_f64() * 1e6 / requests as f64
}

/// The 25th, 50th and 75th percentiles of `values` (sorted in place).
fn quartiles(values: &mut [f64]) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}

/// Runs `PAIRS` pairs of short rounds (raw then SDK, SDK then raw in turn,
/// so neither side always runs on the other's leftovers), takes each pair's
/// SDK / raw ratio, and prints the medians with the ratios' quartiles. A
/// pair's two rounds run moments apart, so a slow spell of the machine
/// moves both and mostly cancels out of their ratio, and the median is not
/// moved by the few pairs a spell split.
async fn compare<R, RF, S, SF>(name: &str, concurrency: usize, raw: &R, sdk: &S)
where
    R: Fn(usize) -> RF,
    RF: std::future::Future<Output = ()>,
    S: Fn(usize) -> SF,
    SF: std::future::Future<Output = ()>,
{
    if !selected(name, concurrency) {
        return;
    }
    // Warm both pools.
    measure(ROUND_REQUESTS, concurrency, raw).await;
    measure(ROUND_REQUESTS, concurrency, sdk).await;
    // Per pair: raw wall, SDK wall, wall ratio, raw CPU, SDK CPU, CPU ratio.
    let mut rows: [Vec<f64>; 6] = Default::default();
    for pair in 0..PAIRS {
        let ((raw_wall, raw_cpu), (sdk_wall, sdk_cpu)) = if pair % 2 == 0 {
            let raw_time = measure(ROUND_REQUESTS, concurrency, raw).await;
            (raw_time, measure(ROUND_REQUESTS, concurrency, sdk).await)
        } else {
            let sdk_time = measure(ROUND_REQUESTS, concurrency, sdk).await;
            (measure(ROUND_REQUESTS, concurrency, raw).await, sdk_time)
        };
        let values = [
            us(raw_wall, ROUND_REQUESTS),
            us(sdk_wall, ROUND_REQUESTS),
            sdk_wall.as_secs_f64() / raw_wall.as_secs_f64(),
            us(raw_cpu, ROUND_REQUESTS),
            us(sdk_cpu, ROUND_REQUESTS),
            sdk_cpu.as_secs_f64() / raw_cpu.as_secs_f64(),
        ];
        for (row, value) in rows.iter_mut().zip(values) {
            row.push(value);
        }
    }
    let [raw_wall, sdk_wall, wall, raw_cpu, sdk_cpu, cpu] =
        rows.each_mut().map(|row| quartiles(row));
    println!(
        "{name:<28} {concurrency:>3} in flight | wall raw {:6.1} µs  sdk {:6.1} µs  ratio {:5.3} ({:5.3}–{:5.3}) | client cpu raw {:5.1} µs  sdk {:5.1} µs  ratio {:5.3} ({:5.3}–{:5.3})",
        raw_wall[1],
        sdk_wall[1],
        wall[1],
        wall[0],
        wall[2],
        raw_cpu[1],
        sdk_cpu[1],
        cpu[1],
        cpu[0],
        cpu[2],
    );
}

async fn trigger_paths(base: &str) {
    // Raw `reqwest` sends the same bytes as the SDK (its User-Agent too), so
    // the server does the same work for both and the ratios are the clients'.
    let raw = reqwest::Client::new();
    // Built per request on both sides, as an application builds each
    // request's data (raw `reqwest` borrows it, the SDK takes it).
    let payload = || json!({"to": "ada@example.com", "subject": "Welcome", "body": "Hello"});

    // n8n: a lastNode webhook with header auth; the answer is the output.
    // With the default cap on requests in flight, and with the cap at the
    // rows' 64 (as many connections as raw `reqwest` opens).
    let webhook = |cap: usize| {
        WebhookTrigger::builder(format!("{base}/n8n"), "send-email")
            .header_auth(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
            .response_mode(trigger_sdk::n8n::ResponseMode::LastNode)
            .max_concurrent_requests(cap)
            .build()
            .expect("webhook")
    };
    let hook = webhook(DEFAULT_MAX_CONCURRENT_REQUESTS);
    let hook_wide = webhook(CONCURRENT);
    let hook_url = format!("{base}/n8n/webhook/send-email");
    let raw_n8n = |_: usize| {
        let request = raw
            .post(&hook_url)
            .header(USER_AGENT, USER_AGENT_VALUE)
            .header(creds::N8N_WEBHOOK_HEADER, creds::N8N_WEBHOOK_SECRET)
            .json(&payload());
        async move {
            let answer = request.send().await.expect("raw n8n");
            assert!(answer.status().is_success());
            let body = answer.bytes().await.expect("raw body");
            let _: Value = serde_json::from_slice(&body).expect("raw json");
        }
    };
    // The result handed over (`into_outcome`, the usual last step) ...
    let sdk_n8n = |_: usize| n8n_into_outcome(&hook, TriggerRequest::new(payload()));
    let sdk_n8n_wide = |_: usize| n8n_into_outcome(&hook_wide, TriggerRequest::new(payload()));
    // ... or the typed call one step away (`send`: the answer as sent, no
    // handle, no boxed trait future), its body parsed like raw's ...
    let sdk_n8n_send = |_: usize| {
        let request = TriggerRequest::new(payload());
        let hook = &hook;
        async move {
            let answer = hook.send(request).await.expect("sdk n8n send");
            let _: Value = serde_json::from_slice(&answer.body).expect("sdk json");
        }
    };
    // ... or copied out of a handle that stays usable (`wait`).
    let sdk_n8n_wait = |_: usize| {
        let request = TriggerRequest::new(payload());
        let hook = &hook;
        async move {
            let run = hook.trigger(request).await.expect("sdk n8n");
            run.wait(WaitOptions::default()).await.expect("finished");
        }
    };

    // runs: POST /workflows/{id}/run with an idempotency key; envelope decoded.
    let runs_client = |cap: usize| {
        RunsClient::builder(format!("{base}/runs"), creds::RUNS_API_KEY)
            .max_concurrent_requests(cap)
            .build()
            .expect("runs")
    };
    let runs = runs_client(DEFAULT_MAX_CONCURRENT_REQUESTS);
    let runs_wide = runs_client(CONCURRENT);
    let input = json!({"customerId": "cus_123", "amount": 9900});
    let run_url = format!(
        "{base}/runs/api/v1/workflows/{}/run",
        creds::RUNS_CREATE_INVOICE
    );
    let raw_runs = |_: usize| {
        let request = raw
            .post(&run_url)
            .header(USER_AGENT, USER_AGENT_VALUE)
            .header("x-api-key", creds::RUNS_API_KEY)
            .json(&json!({"input": input, "idempotencyKey": uuid::Uuid::new_v4().to_string()}));
        async move {
            let answer = request.send().await.expect("raw runs");
            assert!(answer.status().is_success(), "{}", answer.status());
            let body = answer.bytes().await.expect("raw body");
            let envelope: Value = serde_json::from_slice(&body).expect("raw json");
            assert!(envelope["data"]["runId"].is_string());
        }
    };
    let sdk_runs = |_: usize| runs_run(&runs, RunRequest::new(input.clone()));
    let sdk_runs_wide = |_: usize| runs_run(&runs_wide, RunRequest::new(input.clone()));

    // What one call holds while in flight (created, never polled): glibc
    // serves allocations up to about 1 KiB from a per-thread cache, larger
    // ones from its slower general path.
    let trigger_future = hook.trigger(TriggerRequest::new(payload()));
    let send_future = hook.send(TriggerRequest::new(payload()));
    let run_future = runs.run(creds::RUNS_CREATE_INVOICE, RunRequest::new(input.clone()));
    println!(
        "future sizes: WebhookTrigger::trigger {} B (boxed), WebhookTrigger::send {} B, RunsClient::run {} B",
        std::mem::size_of_val(&*trigger_future),
        std::mem::size_of_val(&send_future),
        std::mem::size_of_val(&run_future),
    );
    drop((trigger_future, send_future, run_future));

    // `TRIGGER_PATH_PROFILE=raw|sdk|sdk-wait|sdk-send|raw-runs|sdk-runs`
    // (optionally `@64`: that many in flight): only that loop, for a
    // profiler, `TRIGGER_PATH_ROUNDS` (10) rounds of `REQUESTS` (1 under
    // valgrind).
    if let Ok(which) = std::env::var("TRIGGER_PATH_PROFILE") {
        let rounds = std::env::var("TRIGGER_PATH_ROUNDS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10);
        let (which, concurrency) = match which.split_once('@') {
            Some((which, at)) => (which.to_owned(), at.parse().expect("@ and a number")),
            None => (which, 1),
        };
        for _ in 0..rounds {
            let n = concurrency;
            match which.as_str() {
                "raw" => measure(REQUESTS, n, &raw_n8n).await,
                "sdk-wait" => measure(REQUESTS, n, &sdk_n8n_wait).await,
                "sdk-send" => measure(REQUESTS, n, &sdk_n8n_send).await,
                "raw-runs" => measure(REQUESTS, n, &raw_runs).await,
                "sdk-runs" => measure(REQUESTS, n, &sdk_runs).await,
                "sdk-runs-wide" => measure(REQUESTS, n, &sdk_runs_wide).await,
                "sdk" => measure(REQUESTS, n, &sdk_n8n).await,
                "sdk-wide" => measure(REQUESTS, n, &sdk_n8n_wide).await,
                other => panic!(
                    "TRIGGER_PATH_PROFILE={other:?}: use raw, sdk, sdk-wide, sdk-wait, sdk-send, \
                     raw-runs, sdk-runs or sdk-runs-wide"
                ),
            };
        }
        return;
    }
    for concurrency in [1, CONCURRENT] {
        compare(
            "n8n trigger + into_outcome",
            concurrency,
            &raw_n8n,
            &sdk_n8n,
        )
        .await;
        compare("n8n trigger + wait", concurrency, &raw_n8n, &sdk_n8n_wait).await;
        compare(
            "n8n WebhookTrigger::send",
            concurrency,
            &raw_n8n,
            &sdk_n8n_send,
        )
        .await;
        compare("runs RunsClient::run", concurrency, &raw_runs, &sdk_runs).await;
    }
    // The default cap queues half of the 64 calls; raised to 64, the SDK
    // keeps as many connections as raw `reqwest`: the difference between
    // these rows and the two above is the queue's cost, not the path's.
    compare(
        &format!("n8n into_outcome, cap {CONCURRENT}"),
        CONCURRENT,
        &raw_n8n,
        &sdk_n8n_wide,
    )
    .await;
    compare(
        &format!("runs run, cap {CONCURRENT}"),
        CONCURRENT,
        &raw_runs,
        &sdk_runs_wide,
    )
    .await;
}

/// One SDK n8n trigger, its result handed over with `into_outcome`.
async fn n8n_into_outcome(hook: &WebhookTrigger, request: TriggerRequest) {
    let run = hook.trigger(request).await.expect("sdk n8n");
    run.into_outcome(WaitOptions::default())
        .await
        .expect("finished");
}

/// One `RunsClient::run` of the invoice workflow.
async fn runs_run(runs: &RunsClient, request: RunRequest) {
    runs.run(creds::RUNS_CREATE_INVOICE, request)
        .await
        .expect("sdk runs");
}

/// A runs API that answers `running` for each run's first `polls` reads,
/// then `completed`; counts the connections it accepted.
async fn slow_runs_server(polls: usize) -> (String, Arc<AtomicUsize>) {
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let app = Router::new().route(
        "/api/v1/runs/{id}",
        get(move |Path(id): Path<String>| {
            let seen = seen.clone();
            async move {
                let n = {
                    let mut seen = seen.lock().expect("lock");
                    let n = seen.entry(id.clone()).or_default();
                    *n += 1;
                    *n
                };
                let status = if n > polls { "completed" } else { "running" };
                Json(json!({"success": true, "data": {
                    "id": id, "workflowId": "wf_1", "status": status,
                    "input": {}, "output": {"ok": true}, "steps": []
                }}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    let listener = listener.tap_io(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), connections)
}

async fn many_handles() {
    let (base, connections) = slow_runs_server(3).await;
    let (_, before) = rss_mib();
    let server_only = before;
    let client = RunsClient::builder(base, creds::RUNS_API_KEY)
        .poll(trigger_sdk::PollPolicy::fixed(Duration::from_millis(200)))
        .build()
        .expect("client");
    let start = Instant::now();
    let waits = (0..HANDLES).map(|i| {
        let handle = client.handle(format!("run_{i}"));
        async move {
            handle
                .wait(WaitOptions::timeout(Duration::from_secs(600)))
                .await
                .expect("wait")
        }
    });
    let outcomes = join_all(waits).await;
    let (peak, _) = rss_mib();
    println!(
        "{HANDLES} handles waiting at once: all {} finished in {:.1} s; RSS {server_only:.1} MiB before (process and server), peak {peak:.1} MiB: {:.1} MiB for the handles; the server accepted {} connections (cap {})",
        outcomes.iter().filter(|o| o.is_success()).count(),
        start.elapsed().as_secs_f64(),
        peak - server_only,
        connections.load(Ordering::Relaxed),
        DEFAULT_MAX_CONCURRENT_REQUESTS,
    );
}

fn main() {
    // The client's thread on one CPU, the server's on another: neither
    // takes the other's CPU or caches, and the scheduler does not move them.
    let cpus = allowed_cpus();
    let (client_cpu, server_cpu) = match cpus[..] {
        [client, server, ..] => (Some(client), Some(server)),
        _ => (None, None),
    };
    pin_to(client_cpu);
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    // First, in a fresh process: the handles' memory is not mixed with the
    // reference server's runs.
    if std::env::var_os("TRIGGER_PATH_PROFILE").is_none() && selected("10000 handles", HANDLES) {
        client.block_on(many_handles());
    }
    let base = start_server(server_cpu);
    let placement = match (client_cpu, server_cpu) {
        (Some(client), Some(server)) => format!("pinned to CPU {client} and CPU {server}"),
        _ => "unpinned (fewer than 2 CPUs)".to_owned(),
    };
    println!(
        "median of {PAIRS} pairs of rounds of {ROUND_REQUESTS} requests (ratios' quartiles in brackets); client on one thread, reference server on its own, {placement}"
    );
    client.block_on(trigger_paths(&base));
}
