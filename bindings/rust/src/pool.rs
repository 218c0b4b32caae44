//! [`MemoryPool`]: size classes of shared, 64-byte aligned buffers (`shmhub_pool_*`, since 1.1).
//!
//! A [`Buffer`] is an RAII guard: dropping it gives the buffer back; [`Buffer::into_id`] hands it
//! to another process instead (which takes it over with [`MemoryPool::adopt`]). Another process
//! may write a buffer it adopted, so the contents are copied in and out, never lent as slices.
use crate::segment::SegmentOptions;
use crate::{c_name, check_version, sys, timeout_ns, Error, Result};
use std::ptr::NonNull;
use std::time::Duration;

/// Statistics of one size class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassStats {
    /// Bytes per buffer.
    pub buffer_bytes: u64,
    /// Buffers in the class.
    pub count: u32,
    /// Buffers owned by a process now.
    pub in_use: u32,
    /// Most buffers in use at once since create.
    pub high_water: u32,
    /// Buffers taken back from dead processes.
    pub reclaimed: u64,
    /// Successful acquires since create.
    pub acquires: u64,
}

/// A handle to a memory pool; closed on drop. `Send + Sync`: every call is `@threadsafe`.
pub struct MemoryPool {
    ptr: NonNull<sys::shmhub_pool>,
}

// SAFETY: the C handle is @threadsafe for every call.
unsafe impl Send for MemoryPool {}
// SAFETY: as above.
unsafe impl Sync for MemoryPool {}

impl MemoryPool {
    /// Creates pool `name` with `classes`: (buffer bytes, count) pairs in any order.
    pub fn create(name: &str, classes: &[(u64, u32)], segment: &SegmentOptions) -> Result<MemoryPool> {
        check_version()?;
        let n = c_name("pool", name)?;
        let seg = segment.to_raw()?;
        let cl: Vec<sys::shmhub_pool_class> =
            classes.iter().map(|&(b, c)| sys::shmhub_pool_class { buffer_bytes: b, count: c, reserved: 0 }).collect();
        let o = sys::shmhub_pool_opts {
            size: std::mem::size_of::<sys::shmhub_pool_opts>() as u32,
            nclasses: u32::try_from(cl.len()).unwrap_or(u32::MAX),
            classes: cl.as_ptr(),
            segment: &seg.raw,
        };
        let mut p = std::ptr::null_mut();
        // SAFETY: valid name, options and classes outliving the call, valid out-pointer.
        Error::check(unsafe { sys::shmhub_pool_create(n.as_ptr(), &o, &mut p) })?;
        Ok(MemoryPool { ptr: NonNull::new(p).expect("non-NULL on success") })
    }

    /// Opens pool `name`.
    pub fn open(name: &str, segment: &SegmentOptions) -> Result<MemoryPool> {
        check_version()?;
        let n = c_name("pool", name)?;
        let seg = segment.to_raw()?;
        let o = sys::shmhub_pool_opts {
            size: std::mem::size_of::<sys::shmhub_pool_opts>() as u32,
            nclasses: 0,
            classes: std::ptr::null(),
            segment: &seg.raw,
        };
        let mut p = std::ptr::null_mut();
        // SAFETY: as in create.
        Error::check(unsafe { sys::shmhub_pool_open(n.as_ptr(), &o, &mut p) })?;
        Ok(MemoryPool { ptr: NonNull::new(p).expect("non-NULL on success") })
    }

    /// A buffer of the smallest class holding `nbytes`, waiting up to `timeout` (`None`: forever).
    pub fn acquire(&self, nbytes: usize, timeout: Option<Duration>) -> Result<Buffer<'_>> {
        let mut b = std::ptr::null_mut();
        // SAFETY: live handle, valid out-pointer.
        Error::check(unsafe { sys::shmhub_pool_acquire(self.ptr.as_ptr(), nbytes, timeout_ns(timeout), &mut b) })?;
        Ok(Buffer { pool: self, ptr: NonNull::new(b).expect("non-NULL on success") })
    }

    /// Takes over the buffer another process handed over by its id.
    pub fn adopt(&self, id: u64) -> Result<Buffer<'_>> {
        let mut b = std::ptr::null_mut();
        // SAFETY: live handle, valid out-pointer.
        Error::check(unsafe { sys::shmhub_pool_adopt(self.ptr.as_ptr(), id, &mut b) })?;
        Ok(Buffer { pool: self, ptr: NonNull::new(b).expect("non-NULL on success") })
    }

    /// Returns the buffers of dead processes to the pool; how many.
    pub fn reclaim(&self) -> Result<u64> {
        let mut n = 0;
        // SAFETY: live handle, valid out-pointer.
        Error::check(unsafe { sys::shmhub_pool_reclaim(self.ptr.as_ptr(), &mut n) })?;
        Ok(n)
    }

    /// Statistics of every size class, smallest first.
    pub fn stats(&self) -> Result<Vec<ClassStats>> {
        // SAFETY: live handle.
        let n = unsafe { sys::shmhub_pool_nclasses(self.ptr.as_ptr()) };
        (0..n)
            .map(|c| {
                let mut s = sys::shmhub_pool_stats_info { size: std::mem::size_of::<sys::shmhub_pool_stats_info>() as u32, ..Default::default() };
                // SAFETY: live handle, s is writable for its size.
                Error::check(unsafe { sys::shmhub_pool_stats(self.ptr.as_ptr(), c, &mut s) })?;
                Ok(ClassStats { buffer_bytes: s.buffer_bytes, count: s.count, in_use: s.in_use, high_water: s.high_water,
                                reclaimed: s.reclaimed, acquires: s.acquires })
            })
            .collect()
    }
}

impl Drop for MemoryPool {
    fn drop(&mut self) {
        // SAFETY: live handle, closed once; buffers borrow the pool, so none outlives it.
        unsafe { sys::shmhub_pool_close(self.ptr.as_ptr()) }
    }
}

/// A buffer owned by this process: given back to the pool when dropped.
pub struct Buffer<'p> {
    pool: &'p MemoryPool,
    ptr: NonNull<sys::shmhub_buffer>,
}

impl Buffer<'_> {
    /// The buffer's id (for [`MemoryPool::adopt`] in another process).
    pub fn id(&self) -> u64 {
        // SAFETY: live buffer handle.
        unsafe { sys::shmhub_buffer_id(self.ptr.as_ptr()) }
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        // SAFETY: live buffer handle.
        unsafe { sys::shmhub_buffer_size(self.ptr.as_ptr()) as usize }
    }

    /// Whether it holds no bytes (never, for a real buffer).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The 64-byte aligned address of its memory (valid while this guard lives).
    pub fn as_ptr(&self) -> *mut u8 {
        // SAFETY: live buffer handle.
        unsafe { sys::shmhub_buffer_data(self.ptr.as_ptr()) as *mut u8 }
    }

    fn range_check(&self, offset: usize, n: usize) -> Result<()> {
        if offset.checked_add(n).map_or(true, |e| e > self.len()) {
            return Err(Error::new(sys::SHMHUB_E_RANGE, format!("buffer {}: bytes {offset}..+{n} outside its {} bytes", self.id(), self.len())));
        }
        Ok(())
    }

    /// Copies `src` into the buffer at `offset`.
    pub fn write(&mut self, offset: usize, src: &[u8]) -> Result<()> {
        self.range_check(offset, src.len())?;
        // SAFETY: in bounds (checked); the buffer's memory is mapped while the pool lives.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.as_ptr().add(offset), src.len()) };
        Ok(())
    }

    /// Copies bytes from the buffer at `offset` into `dst`.
    pub fn read(&self, offset: usize, dst: &mut [u8]) -> Result<()> {
        self.range_check(offset, dst.len())?;
        // SAFETY: in bounds (checked).
        unsafe { std::ptr::copy_nonoverlapping(self.as_ptr().add(offset), dst.as_mut_ptr(), dst.len()) };
        Ok(())
    }

    /// Keeps the buffer owned by this process (for another to adopt) and returns its id.
    pub fn into_id(self) -> u64 {
        let id = self.id();
        // SAFETY: frees only the handle; ownership in shared memory stays.
        unsafe { sys::shmhub_buffer_close(self.ptr.as_ptr()) };
        std::mem::forget(self);
        id
    }
}

impl Drop for Buffer<'_> {
    fn drop(&mut self) {
        // SAFETY: live handles; release frees the buffer handle whatever it returns.
        unsafe { sys::shmhub_pool_release(self.pool.ptr.as_ptr(), self.ptr.as_ptr()) };
    }
}
