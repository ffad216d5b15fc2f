//! Throughput, memory and slow-client shedding of the `reference-server`
//! binary (the demo set, default options, default logging), driven over
//! loopback by a small keep-alive HTTP/1.1 load generator in this process.
//!
//! `cargo bench -p trigger-sdk-reference-server --bench server [-- OPTIONS]`
//!
//! - `--connections N` (64), `--seconds S` per round (3), `--rounds R` (3):
//!   the health route and the n8n `lastNode` and `onReceived` webhooks in
//!   turn, each route's best round kept; prints req/s and the webhook/health
//!   ratios (`--only health|lastNode|onReceived`, repeatable: just those
//!   routes, e.g. to profile one);
//! - `--sustain N` (200,000): then N more webhook requests (half each kind),
//!   printing the server's RSS every tenth, to show it stays flat;
//! - `--server BINARY`: drive this `reference-server` binary instead of the
//!   one cargo built (e.g. a copy of an earlier build, to compare);
//! - `--config FILE`: serve this fixture instead of the demo set (for
//!   other retention or connection settings; it must keep the demo's n8n
//!   webhooks, e.g. an edited `reference-server --print-demo-config`);
//! - `--slow N` (5,000): then N connections that send part of a request head
//!   and stall; prints how fast normal requests are answered meanwhile and
//!   how many slow connections the server closed.
//!
//! `--allocs N` (2,000): first, N requests of each route on one connection
//! to a server in this process, printing the heap allocations per request
//! the server made (its runtime's threads only; 0 skips it).
//!
//! `--instructions N` (0, off): first, for each route, the instructions the
//! server executes per request, counted by callgrind (load-free, so the one
//! number to compare before and after a change): the bench runs itself twice
//! per route under `valgrind --tool=callgrind --separate-threads=yes`, a
//! demo server in-process (on a single-threaded runtime of its own thread, so
//! the count does not depend on how callgrind interleaves threads) and a
//! client on the main thread sending
//! `--warmup W` requests (2,100: the default retention of 2,000 finished
//! runs is full, so every webhook request also evicts one) and then N more
//! on one connection, and prints the difference of the server threads'
//! instructions (every thread but the client's) over N, and health's count
//! divided by the route's (two counts agree within 0.3%). The in-process
//! server allocates with the system
//! allocator (as in a user's test process; the binary's mimalloc is cheaper).
//! Needs `valgrind` on the PATH; e.g.
//! `-- --instructions 1000 --allocs 0 --rounds 0 --sustain 0 --slow 0`.
//!
//! Besides req/s it prints the server's CPU time per request of each route
//! (from `/proc`), and health's CPU per request divided by the route's: the
//! load generator shares the cores, so the req/s ratio moves with the load
//! of the machine while the CPU ratio says what one request costs.
//!
//! It measures and prints; it asserts nothing. Other processes share the
//! cores, so compare the ratios within one run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The system allocator, counting the allocations made on threads that
/// [`count_allocations`] marked (the in-process server's runtime).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count_allocations() {
    COUNTED.with(|c| c.set(true));
}

fn counted() {
    // `try_with`: the allocator also runs while thread locals are torn down.
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        counted();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Clone)]
struct Options {
    allocs: u64,
    /// Requests per route counted by callgrind (0: not run).
    instructions: u64,
    /// Requests per route before the callgrind count.
    warmup: u64,
    connections: usize,
    seconds: u64,
    rounds: usize,
    sustain: u64,
    slow: usize,
    /// A fixture for the server instead of the demo set (it must keep the
    /// demo's n8n webhooks).
    config: Option<String>,
    /// The server binary (cargo's unless `--server`).
    server: Option<String>,
    /// The routes of the throughput rounds (all three unless `--only`).
    routes: Vec<Route>,
}

fn options() -> Options {
    let mut o = Options {
        allocs: 2_000,
        instructions: 0,
        warmup: 2_100,
        connections: 64,
        seconds: 3,
        rounds: 3,
        sustain: 200_000,
        slow: 5_000,
        config: None,
        server: None,
        routes: vec![Route::Health, Route::LastNode, Route::OnReceived],
    };
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{arg} needs a number"))
        };
        match arg.as_str() {
            "--allocs" => o.allocs = value(),
            "--instructions" => o.instructions = value(),
            "--warmup" => o.warmup = value(),
            "--connections" => o.connections = value() as usize,
            "--seconds" => o.seconds = value(),
            "--rounds" => o.rounds = value() as usize,
            "--sustain" => o.sustain = value(),
            "--slow" => o.slow = value() as usize,
            "--config" => o.config = args.next(),
            "--server" => o.server = args.next(),
            "--only" => {
                let name = args.next().unwrap_or_default();
                let route = Route::ALL
                    .into_iter()
                    .find(|r| r.key() == name)
                    .unwrap_or_else(|| panic!("--only takes health, lastNode or onReceived"));
                only.push(route);
            }
            _ => {} // cargo bench passes --bench
        }
    }
    if !only.is_empty() {
        o.routes = only;
    }
    o
}

/// The server as a child process, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(binary: Option<&str>, config: Option<&str>) -> Self {
        let mut command = Command::new(binary.unwrap_or(env!("CARGO_BIN_EXE_reference-server")));
        command.args(["--listen", "127.0.0.1:0"]);
        if let Some(path) = config {
            command.args(["--config", path]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start reference-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // Read the banner for the port, then keep draining the request log.
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("reference-server listening on http://")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("banner")
            .parse()
            .expect("address");
        Self { child, addr }
    }

    /// CPU time the server has used so far (user + system, Linux), zero
    /// when unknown.
    fn cpu_time(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks: u64 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|v| v.parse::<u64>().ok()))
            .sum();
        // USER_HZ is 100 on Linux.
        Duration::from_millis(ticks * 10)
    }

    /// Resident set size in MB (Linux), 0 when unknown.
    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy)]
enum Route {
    Health,
    LastNode,
    OnReceived,
}

impl Route {
    const ALL: [Self; 3] = [Self::Health, Self::LastNode, Self::OnReceived];

    /// The name `--only` takes.
    fn key(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::LastNode => "lastNode",
            Self::OnReceived => "onReceived",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Health => "GET /__admin/health",
            Self::LastNode => "n8n lastNode webhook",
            Self::OnReceived => "n8n onReceived webhook",
        }
    }

    fn request(self) -> Vec<u8> {
        let post = |path: &str| {
            let body = r#"{"to":"ann@example.com","subject":"Welcome"}"#;
            format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-webhook-secret: demo-webhook-secret\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        };
        match self {
            Self::Health => "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_owned(),
            Self::LastNode => post("/n8n/webhook/send-email"),
            Self::OnReceived => post("/n8n/webhook/send-email-async"),
        }
        .into_bytes()
    }
}

/// One keep-alive connection sending `request` and reading each answer.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(8192),
        })
    }

    /// Sends one request and reads its answer; the status code.
    async fn call(&mut self, request: &[u8]) -> std::io::Result<u16> {
        self.stream.write_all(request).await?;
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + length {
                    let n = self.stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                return Ok(status);
            }
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Requests answered 200 and failures, `connections` at a time, until
/// `deadline` or until `budget` requests were sent.
async fn load(
    addr: SocketAddr,
    routes: &[Route],
    connections: usize,
    deadline: Option<Instant>,
    budget: Option<u64>,
) -> (u64, u64) {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(routes.iter().map(|r| r.request()).collect());
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (ok, failed, sent, stop, requests) = (
            ok.clone(),
            failed.clone(),
            sent.clone(),
            stop.clone(),
            requests.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = None;
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                if budget.is_some_and(|b| sent.fetch_add(1, Ordering::Relaxed) >= b) {
                    break;
                }
                if conn.is_none() {
                    conn = Conn::open(addr).await.ok();
                }
                let Some(c) = conn.as_mut() else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                match c.call(&requests[i % requests.len()]).await {
                    Ok(200) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        conn = None;
                    }
                }
                i += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    stop.store(true, Ordering::Relaxed);
    (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed))
}

/// A route's best round: requests per second, and the server's CPU time per
/// request over all rounds (microseconds).
struct Measured {
    rate: f64,
    cpu_us: f64,
}

async fn throughput(server: &Server, o: &Options) -> Vec<(Route, Measured)> {
    let routes = o.routes.clone();
    let mut best = vec![0.0f64; routes.len()];
    let mut cpu = vec![(Duration::ZERO, 0u64); routes.len()];
    // Warm up every route.
    load(server.addr, &routes, o.connections, None, Some(5_000)).await;
    for round in 0..o.rounds {
        for (i, route) in routes.iter().enumerate() {
            let started = Instant::now();
            let cpu_before = server.cpu_time();
            let deadline = started + Duration::from_secs(o.seconds);
            let (ok, failed) =
                load(server.addr, &[*route], o.connections, Some(deadline), None).await;
            let rate = ok as f64 / started.elapsed().as_secs_f64();
            cpu[i].0 += server.cpu_time().saturating_sub(cpu_before);
            cpu[i].1 += ok + failed;
            println!(
                "  round {}  {:<24} {:>9.0} req/s  ({failed} failed)",
                round + 1,
                route.name(),
                rate
            );
            best[i] = best[i].max(rate);
        }
    }
    routes
        .into_iter()
        .zip(best.into_iter().zip(cpu))
        .map(|(route, (rate, (time, requests)))| {
            let cpu_us = time.as_secs_f64() * 1e6 / requests.max(1) as f64;
            (route, Measured { rate, cpu_us })
        })
        .collect()
}

async fn sustain(server: &Server, o: &Options) {
    let steps = 10;
    let per_step = (o.sustain / steps).max(1);
    let started = Instant::now();
    for step in 1..=steps {
        let (_, failed) = load(
            server.addr,
            &[Route::LastNode, Route::OnReceived],
            o.connections,
            None,
            Some(per_step),
        )
        .await;
        println!(
            "  after {:>9} webhook requests  RSS {:>6.1} MB  ({failed} failed)",
            step * per_step,
            server.rss_mb()
        );
    }
    println!(
        "  {:.0} req/s over the sustained run",
        (steps * per_step) as f64 / started.elapsed().as_secs_f64()
    );
}

async fn slow_clients(server: &Server, o: &Options) {
    let mut slow = Vec::with_capacity(o.slow);
    let mut refused = 0;
    for _ in 0..o.slow {
        match TcpStream::connect(server.addr).await {
            Ok(mut s) => {
                if s.write_all(b"POST /n8n/webhook/send-email HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    .await
                    .is_ok()
                {
                    slow.push(s);
                }
            }
            Err(_) => refused += 1,
        }
    }
    println!(
        "  {} slow connections open ({refused} refused at connect)",
        slow.len()
    );
    let mut times = Vec::new();
    let mut failed = 0;
    for _ in 0..200 {
        let started = Instant::now();
        let answered = async {
            let mut c = Conn::open(server.addr).await?;
            c.call(&Route::Health.request()).await
        }
        .await;
        match answered {
            Ok(200) => times.push(started.elapsed()),
            _ => failed += 1,
        }
    }
    times.sort();
    let pct =
        |p: f64| times.get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)));
    println!(
        "  a new connection's health request meanwhile: p50 {:?}, p99 {:?}, max {:?} ({failed} failed of 200)",
        pct(0.5).copied().unwrap_or_default(),
        pct(0.99).copied().unwrap_or_default(),
        times.last().copied().unwrap_or_default()
    );
    println!("  RSS with the slow connections: {:.1} MB", server.rss_mb());
    // The slow ones are shed past the cap or cut by the header read timeout.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut closed = 0;
    let mut buf = [0u8; 64];
    for s in &mut slow {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => closed += 1,
            _ => {}
        }
    }
    println!(
        "  {closed} of {} slow connections closed by the server within 20 s; RSS {:.1} MB",
        slow.len(),
        server.rss_mb()
    );
}

/// Heap allocations per request of each route (reallocations count), by a
/// demo server in this process on a runtime of its own, one connection.
fn allocations(o: &Options) {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(count_allocations)
        .enable_all()
        .build()
        .expect("server runtime");
    let server = server_rt
        .block_on(trigger_sdk_reference_server::ReferenceServer::start_demo())
        .expect("in-process server");
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let addr = server.local_addr();
    client_rt.block_on(async {
        let mut conn = Conn::open(addr).await.expect("connect");
        for route in Route::ALL {
            let request = route.request();
            for _ in 0..200 {
                let _ = conn.call(&request).await;
            }
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let mut failed = 0;
            for _ in 0..o.allocs {
                if !matches!(conn.call(&request).await, Ok(200)) {
                    failed += 1;
                }
            }
            // Runs still going (onReceived's delay) allocate as they finish.
            settle(&server).await;
            let made = ALLOCATIONS.load(Ordering::Relaxed) - before;
            println!(
                "  {:<24} {:>6.1} allocations/request  ({failed} failed)",
                route.name(),
                made as f64 / o.allocs as f64
            );
        }
    });
    drop(server);
    server_rt.shutdown_timeout(Duration::from_secs(1));
}

fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some(CALLGRIND_CHILD) {
        let route = args.next().unwrap_or_default();
        let route = Route::ALL.into_iter().find(|r| r.key() == route);
        let count = |v: Option<String>| v.and_then(|v| v.parse().ok()).unwrap_or(0);
        let (warmup, requests) = (count(args.next()), count(args.next()));
        return callgrind_child(route.expect("route"), warmup, requests);
    }
    let o = options();
    if o.instructions > 0 {
        instructions(&o);
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("bench runtime")
        .block_on(bench(o));
}

/// The first argument of the bench run under callgrind by [`instructions`].
const CALLGRIND_CHILD: &str = "--callgrind-child";

/// Under callgrind: a demo server in this process (its own runtime), and on
/// this thread a client sending `warmup + requests` requests of `route` on
/// one connection; returns once the runs they started have finished.
fn callgrind_child(route: Route, warmup: u64, requests: u64) {
    // The server on a single-threaded runtime of its own thread: no idle
    // worker looks for work to steal, so the count does not depend on how
    // callgrind interleaves the threads.
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let server = trigger_sdk_reference_server::ReferenceServer::start_demo()
                .await
                .expect("in-process server");
            let _ = tx.send(server.local_addr());
            let _ = stop_rx.await;
            settle(&server).await;
        });
    });
    let addr = rx.recv().expect("server address");
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    client_rt.block_on(async {
        let mut conn = Conn::open(addr).await.expect("connect");
        let request = route.request();
        for _ in 0..warmup + requests {
            let _ = conn.call(&request).await;
        }
    });
    let _ = stop_tx.send(());
    let _ = server_thread.join();
}

/// Waits (up to 10 s) until the server's runs still going (onReceived's
/// delay) have finished.
async fn settle(server: &trigger_sdk_reference_server::ReferenceServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.engine().run_counts().kept > server.engine().run_counts().finished
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Instructions per request of each route in the server's threads: the
/// bench under callgrind with `warmup` requests and with `warmup + N`.
fn instructions(o: &Options) {
    println!(
        "instructions executed by the server per request (callgrind, in this process, \
         one connection, after {} requests):",
        o.warmup
    );
    let mut health = None;
    for route in &o.routes {
        let before = server_instructions(*route, o.warmup, 0);
        let after = server_instructions(*route, o.warmup, o.instructions);
        let (Some(before), Some(after)) = (before, after) else {
            println!(
                "  {:<24} not counted (is valgrind installed?)",
                route.name()
            );
            continue;
        };
        let per_request = after.saturating_sub(before) as f64 / o.instructions as f64;
        if matches!(route, Route::Health) {
            health = Some(per_request);
        }
        let ratio = health.map_or_else(String::new, |h| format!("ratio {:.2}", h / per_request));
        println!(
            "  {:<24} {:>9.0} instructions/request  {ratio}",
            route.name(),
            per_request
        );
    }
}

/// The instructions of every thread but the main one (the client) of one
/// [`callgrind_child`] run, None when valgrind could not run it.
fn server_instructions(route: Route, warmup: u64, requests: u64) -> Option<u64> {
    let dir = std::env::temp_dir().join(format!("server-bench-callgrind-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let out = dir.join("callgrind.out");
    let status = Command::new("valgrind")
        .args(["--tool=callgrind", "--separate-threads=yes"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(std::env::current_exe().ok()?)
        .args([CALLGRIND_CHILD, route.key()])
        .args([warmup.to_string(), requests.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    // One file per thread, `callgrind.out-01` (the main thread), `-02`, ...
    let mut total = 0;
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with("-01") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        total += text
            .lines()
            .find_map(|l| {
                l.strip_prefix("totals:")
                    .or_else(|| l.strip_prefix("summary:"))
            })
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
    }
    let _ = std::fs::remove_dir_all(&dir);
    status.success().then_some(total)
}

async fn bench(o: Options) {
    if o.allocs > 0 {
        println!("heap allocations by the server (in this process, one connection):");
        // Its own runtimes, off this one's threads.
        let counting = o.clone();
        tokio::task::spawn_blocking(move || allocations(&counting))
            .await
            .expect("allocation count");
    }
    if o.rounds == 0 && o.sustain == 0 && o.slow == 0 {
        return;
    }
    let server = Server::start(o.server.as_deref(), o.config.as_deref());
    let rss_start = server.rss_mb();
    println!(
        "reference-server at {} ({}); {} connections, {} s rounds",
        server.addr,
        o.config
            .as_deref()
            .unwrap_or("release demo set, default options"),
        o.connections,
        o.seconds
    );
    let best = throughput(&server, &o).await;
    let health = best
        .iter()
        .find(|(r, _)| matches!(r, Route::Health))
        .map(|(_, m)| (m.rate, m.cpu_us));
    println!("best rounds (and the server's CPU time per request over all rounds):");
    for (route, m) in &best {
        let (rate, cpu) = health.map_or_else(
            || (String::new(), String::new()),
            |(rate, cpu)| {
                (
                    format!("ratio to health {:.2}", m.rate / rate),
                    format!("ratio {:.2}", cpu / m.cpu_us),
                )
            },
        );
        println!(
            "  {:<24} {:>9.0} req/s  {rate:<20}  CPU {:>5.1} us/request  {cpu}",
            route.name(),
            m.rate,
            m.cpu_us,
        );
    }
    println!(
        "RSS: {rss_start:.1} MB at start, {:.1} MB after the rounds",
        server.rss_mb()
    );
    if o.sustain > 0 {
        println!("sustained load:");
        sustain(&server, &o).await;
    }
    if o.slow > 0 {
        println!("slow clients:");
        slow_clients(&server, &o).await;
    }
}
