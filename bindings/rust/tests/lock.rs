//! The segment lock guard (`Segment::lock`).
mod common;
use common::Name;
use shmhub::*;
use std::time::Duration;

#[test]
fn lock_guard_excludes_and_releases() {
    let n = Name::new("lock");
    let seg = Segment::create_default(n.as_str(), &[ArraySpec::of::<i64>("n", &[1])]).unwrap();
    let other = Segment::open(n.as_str()).unwrap();
    {
        let g = seg.lock(Some(Duration::from_millis(10))).unwrap();
        assert!(!g.recovered());
        assert_eq!(seg.lock_holder_pid(), std::process::id() as i64);
        // Owned by the process and not recursive: another handle of this process times out.
        assert_eq!(other.lock(Some(Duration::ZERO)).unwrap_err().kind(), ErrorKind::Timeout);
    }
    assert_eq!(seg.lock_holder_pid(), 0);
    let g = other.lock(None).unwrap();
    drop(g);
    assert_eq!(seg.lock_recoveries(), 0);
    // Threads of this process take turns through the lock.
    let view = seg.array::<i64>("n").unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..200 {
                    let _g = seg.lock(None).unwrap();
                    let v = view.get(0).unwrap();
                    view.set(0, v + 1).unwrap();
                }
            });
        }
    });
    assert_eq!(view.get(0), Some(800));
}

#[test]
fn lock_on_read_only_handle_fails() {
    let n = Name::new("lockro");
    let _seg = Segment::create_default(n.as_str(), &[]).unwrap();
    let o = SegmentOptions { read_only: true, ..Default::default() };
    let ro = Segment::open_with(n.as_str(), &o).unwrap();
    assert_eq!(ro.lock(None).unwrap_err().kind(), ErrorKind::ReadOnly);
}
