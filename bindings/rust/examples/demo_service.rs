//! The live demo's Rust service (`make demo`): reads PREFIX.ticks (64 f64 per tick, [0] and [63]
//! = the tick's sequence number) losslessly, checks every tick is whole, and every 10 ticks
//! publishes [tick seq, mean price, max price, tick seq] to the stream PREFIX.stats, which the
//! Python consumer reads. Prints one JSON summary line when it stops (after `--seconds`, or on
//! SIGINT/SIGTERM).
//!
//! Usage: demo_service PREFIX [--seconds S]

use shmhub::{ErrorKind, Stream, StreamOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: i32) {
    STOP.store(true, Ordering::Relaxed);
}

extern "C" {
    // From the C library std already links; no crates.io dependency is available here.
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;
const TICK_N: usize = 64;
const WINDOW: u64 = 10;

fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

fn percentile(sorted: &[i64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let idx = ((sorted.len() - 1) as f64 * q / 100.0).round() as usize;
    Some(sorted[idx] as f64 / 1000.0)
}

fn json_num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "null".into())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: demo_service PREFIX [--seconds S]");
        std::process::exit(2);
    }
    let prefix = &args[1];
    let mut seconds = 10.0f64;
    if args.len() >= 4 && args[2] == "--seconds" {
        seconds = args[3].parse().unwrap_or_else(|_| {
            eprintln!("demo_service: bad --seconds {}", args[3]);
            std::process::exit(2)
        });
    }
    // SAFETY: `on_signal` only stores to an atomic, which is async-signal-safe.
    unsafe {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
    }

    let ticks_name = format!("{prefix}.ticks");
    let open_deadline = Instant::now() + Duration::from_secs(10);
    let mut ticks = loop {
        match Stream::<f64>::open(&ticks_name) {
            Ok(s) => break s,
            Err(e) if e.kind() == ErrorKind::NotFound && Instant::now() < open_deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => {
                eprintln!("demo_service: {e}");
                std::process::exit(1)
            }
        }
    };
    let opts = StreamOptions { slots: 1024, ..StreamOptions::default() };
    let stats = match Stream::<f64>::create(&format!("{prefix}.stats"), &[4], &opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("demo_service: {e}");
            std::process::exit(1)
        }
    };
    eprintln!("demo_service: reading {ticks_name} losslessly, publishing {prefix}.stats");

    let mut buf = [0f64; TICK_N];
    let (mut n, mut missed, mut torn, mut published) = (0u64, 0u64, 0u64, 0u64);
    let (mut sum, mut max) = (0f64, f64::MIN);
    let mut latencies: Vec<i64> = Vec::with_capacity(1 << 17);
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    while !STOP.load(Ordering::Relaxed) && Instant::now() < end {
        match ticks.read_next(&mut buf, Some(Duration::from_millis(50))) {
            Ok(info) => {
                latencies.push(now_ns() - info.timestamp_ns);
                n += 1;
                missed += info.missed;
                if buf[0] != buf[TICK_N - 1] || buf[0] as u64 != info.seq {
                    torn += 1;
                }
                let prices = &buf[1..TICK_N - 1];
                let mean = prices.iter().sum::<f64>() / prices.len() as f64;
                sum += mean;
                max = prices.iter().cloned().fold(max, f64::max);
                if info.seq % WINDOW == 0 {
                    let row = [buf[0], sum / WINDOW as f64, max, buf[0]];
                    if let Err(e) = stats.write(&row) {
                        eprintln!("demo_service: {e}");
                        std::process::exit(1)
                    }
                    published += 1;
                    sum = 0.0;
                    max = f64::MIN;
                }
            }
            Err(e) if e.kind() == ErrorKind::Timeout => continue,
            Err(e) => {
                eprintln!("demo_service: {e}");
                std::process::exit(1)
            }
        }
    }
    latencies.sort_unstable();
    println!(
        "{{\"role\":\"rust\",\"stream\":\"ticks\",\"ticks\":{n},\"missed\":{missed},\"torn\":{torn},\
         \"latency_us_p50\":{},\"latency_us_p99\":{},\"published\":{published}}}",
        json_num(percentile(&latencies, 50.0)),
        json_num(percentile(&latencies, 99.0))
    );
}
