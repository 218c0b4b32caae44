//! A small service: reads a live `float32` stream losslessly and publishes, per frame,
//! `[seq, mean, max]` as a `float64` stream of shape `[3]` that any process (C, Python, Rust...)
//! can read.
//!
//! ```text
//! cargo run --example stats_service -- INPUT OUTPUT [FRAMES] [SECONDS]
//! ```
//!
//! It waits up to 5 s for INPUT to exist, starts at the oldest frame still in its ring, creates OUTPUT (which must not exist), and stops after
//! FRAMES input frames (default: no limit) or SECONDS seconds (default 10), whichever comes first.
//! With std only there is no portable SIGINT handler, so the limits are the way to stop it
//! cleanly; Ctrl-C also works (the process dies, the OUTPUT segment stays until
//! `shmhub unlink OUTPUT`). On a clean exit it unlinks OUTPUT; readers that have it open keep
//! their mapping. Lost input frames (overrun) are reported on stderr.
use shmhub::{unlink, ErrorKind, Stream, StreamOptions};
use std::time::{Duration, Instant};

fn main() {
    if let Err(e) = run() {
        eprintln!("stats_service: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: stats_service INPUT OUTPUT [FRAMES] [SECONDS]".into());
    }
    let (input, output) = (&args[1], &args[2]);
    let frames: u64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(u64::MAX);
    let seconds: f64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(10.0);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);

    let mut src = loop {
        match Stream::<f32>::open(input) {
            Ok(s) => break s,
            Err(e) if e.kind() == ErrorKind::NotFound && Instant::now() < deadline.min(Instant::now() + Duration::from_secs(5)) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => return Err(e.into()),
        }
    };
    // Start with the frames still in the ring (open puts the cursor at the newest frame).
    src.seek(0);
    let out = Stream::<f64>::create(output, &[3], &StreamOptions { slots: 64, ..Default::default() })?;
    let mut frame = vec![0f32; src.frame_len()];
    let (mut done, mut lost) = (0u64, 0u64);
    let result = loop {
        if done >= frames {
            break Ok(());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Ok(());
        }
        let info = match src.read_next(&mut frame, Some(left)) {
            Ok(i) => i,
            Err(e) if e.kind() == ErrorKind::Timeout => break Ok(()),
            Err(e) => break Err(e),
        };
        if info.missed > 0 {
            lost += info.missed;
            eprintln!("stats_service: lost {} frames before {}", info.missed, info.seq);
        }
        let sum: f64 = frame.iter().map(|&v| v as f64).sum();
        let max = frame.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        out.write(&[info.seq as f64, sum / frame.len() as f64, max])?;
        done += 1;
    };
    eprintln!("stats_service: {done} frames in, {lost} lost, {} published to '{output}'", out.count());
    drop(out);
    unlink(output)?;
    Ok(result?)
}
