//! SynchedMemory<T>: the two-barrier cycle with one handle per thread (0 mixed-round reads, copy
//! and zero-copy guards), worker ids, wrong dtype, sizes, timeout, finalize, profile, BLAS.
use shmhub::{ErrorKind, SynchedMemory, SynchedOptions};
use std::time::Duration;

fn name(tag: &str) -> String {
    format!("rs{}-{tag}", std::process::id())
}

fn tag(r: u64, w: u64) -> u64 {
    (r << 16) | w
}

#[test]
fn cycle_has_no_mixed_rounds() {
    let n = name("cycle");
    let workers = 3u32;
    let len = 256usize;
    let sm = SynchedMemory::<u64>::create(&n, workers, len as u64, &SynchedOptions::default()).unwrap();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let n = n.clone();
            std::thread::spawn(move || {
                let mut s = SynchedMemory::<u64>::open(&n, &SynchedOptions::default()).unwrap();
                s.attach(w).unwrap();
                let mut mixed = 0;
                for r in 0..40u64 {
                    let mut spin = 0u64;
                    for i in 0..((w as u64 * 7 + r * 3) % 5) * 20000 {
                        spin = spin.wrapping_add(i);
                    }
                    std::hint::black_box(spin);
                    let g = if w % 2 == 0 {
                        s.write_and_sync(&vec![tag(r, w as u64); len], Some(Duration::from_secs(60))).unwrap()
                    } else {
                        let mut wg = s.begin_write(Some(Duration::from_secs(60))).unwrap();
                        wg.fill(tag(r, w as u64));
                        wg.sync(Some(Duration::from_secs(60))).unwrap()
                    };
                    let all = g.to_vec();
                    if (0..workers as usize).any(|v| all[v * len..(v + 1) * len].iter().any(|&x| x != tag(r, v as u64))) {
                        mixed += 1;
                    }
                }
                assert_eq!(s.round(), 40);
                mixed
            })
        })
        .collect();
    let mixed: Vec<i32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(mixed, vec![0, 0, 0]);
    drop(sm);
    shmhub::unlink(&n).unwrap();
}

#[test]
fn ids_sizes_dtype_timeout_finalize_profile() {
    let n = name("misc");
    let opts = SynchedOptions { profile: true, profile_rounds: 16, ..Default::default() };
    let mut a = SynchedMemory::<f32>::create(&n, 2, 4, &opts).unwrap();
    assert_eq!((a.workers(), a.segment_len(), a.worker()), (2, 4, None));
    assert_eq!(SynchedMemory::<f64>::open(&n, &opts).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(a.write_and_sync(&[0.0; 4], Some(Duration::ZERO)).unwrap_err().kind(), ErrorKind::Invalid);
    a.attach(0).unwrap();
    assert_eq!(a.worker(), Some(0));
    let mut b = SynchedMemory::<f32>::open(&n, &opts).unwrap();
    assert_eq!(b.attach(0).unwrap_err().kind(), ErrorKind::Busy);
    assert_eq!(b.attach(2).unwrap_err().kind(), ErrorKind::Range);
    b.attach(1).unwrap();
    assert_eq!(a.write_and_sync(&[0.0; 3], None).unwrap_err().kind(), ErrorKind::Size);
    let t = std::thread::spawn(move || {
        for r in 0..3 {
            let g = b.write_and_sync(&[r as f32; 4], Some(Duration::from_secs(60))).unwrap();
            assert_eq!(g.row(0), vec![10.0 + r as f32; 4]);
        }
        b
    });
    for r in 0..3 {
        let g = a.write_and_sync(&[10.0 + r as f32; 4], Some(Duration::from_secs(60))).unwrap();
        assert_eq!(g.get(1, 3), r as f32);
    }
    let b = t.join().unwrap();
    let p = a.profile(1).unwrap();
    assert_eq!(p.len(), 3);
    assert!(p.iter().all(|r| r.cycle >= r.compute + r.wait));
    b.finalize().unwrap();
    assert_eq!(a.write_and_sync(&[0.0; 4], None).unwrap_err().kind(), ErrorKind::Finished);
    drop((a, b));
    shmhub::unlink(&n).unwrap();

    let n = name("timeout");
    let mut c = SynchedMemory::<u8>::create(&n, 2, 1, &SynchedOptions::default()).unwrap();
    c.attach(0).unwrap();
    assert_eq!(c.write_and_sync(&[1], Some(Duration::from_millis(20))).unwrap_err().kind(), ErrorKind::Timeout);
    assert_eq!(c.profile(0).unwrap_err().kind(), ErrorKind::Invalid); // profiling off
    drop(c);
    shmhub::unlink(&n).unwrap();
}

#[test]
fn blas_set_threads_needs_a_blas() {
    assert_eq!(shmhub::blas_set_threads(0).unwrap_err().kind(), ErrorKind::Invalid);
    // This test binary links no BLAS.
    assert_eq!(shmhub::blas_set_threads(1).unwrap_err().kind(), ErrorKind::NotFound);
}
