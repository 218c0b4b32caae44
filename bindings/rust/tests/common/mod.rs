#![allow(dead_code)]
use std::sync::atomic::{AtomicU32, Ordering};

/// A segment name unique to this process and call; unlinked when the guard drops.
pub struct Name(pub String);

impl Name {
    pub fn new(tag: &str) -> Name {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let name = format!("rs-{tag}-{}-{n}", std::process::id());
        let _ = shmhub::unlink(&name);
        Name(name)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        let _ = shmhub::unlink(&self.0);
    }
}
