//! Buffer rings: a small set of frames a bulk operation recycles so it does
//! not evict the working set (PostgreSQL's `BufferAccessStrategy`,
//! `freelist.c`).
//!
//! A ring remembers up to `size` frame numbers. When the pool needs a frame
//! for a ring access it first looks at the ring's next slot: if that frame is
//! unpinned and has not been used by anyone else since (usage count ≤ 1), it
//! is recycled; otherwise the pool runs the normal clock sweep and puts the
//! frame it finds into the slot.
//!
//! A ring belongs to one operation (a sequential scan, COPY, VACUUM) and to
//! one pool; it is cheap to create and holds no pins.

use parking_lot::Mutex;

/// A ring of frames for bulk reads and writes.
pub struct BufferRing {
    /// Frame numbers, `None` until filled; and the current slot.
    state: Mutex<RingState>,
}

struct RingState {
    /// Frames in ring order.
    slots: Vec<Option<usize>>,
    /// The slot handed out last.
    current: usize,
}

impl BufferRing {
    /// Default ring size for bulk reads: 32 buffers = 256 KiB (PostgreSQL's
    /// `BAS_BULKREAD`).
    pub const BULK_READ: usize = 32;
    /// Ring size for VACUUM (PostgreSQL: 256 KiB by default too).
    pub const VACUUM: usize = 32;
    /// Ring size for COPY FROM / bulk writes (PostgreSQL's `BAS_BULKWRITE`,
    /// 16 MiB).
    pub const BULK_WRITE: usize = 2048;

    /// A ring of `size` frames (at least 1).
    pub fn new(size: usize) -> Self {
        BufferRing {
            state: Mutex::new(RingState {
                slots: vec![None; size.max(1)],
                current: 0,
            }),
        }
    }

    /// The number of slots.
    pub fn size(&self) -> usize {
        self.state.lock().slots.len()
    }

    /// Advances to the next slot and returns the frame in it, if any.
    pub(crate) fn next_candidate(&self) -> Option<usize> {
        let mut st = self.state.lock();
        st.current = (st.current + 1) % st.slots.len();
        let cur = st.current;
        st.slots[cur]
    }

    /// Records `frame` in the current slot (after the clock sweep found it).
    pub(crate) fn put_current(&self, frame: usize) {
        let mut st = self.state.lock();
        let cur = st.current;
        st.slots[cur] = Some(frame);
    }
}
