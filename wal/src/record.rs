//! WAL records: the in-memory form ([`WalRecord`]), its exact bytes, and
//! decoding that validates everything (PostgreSQL's `xlogrecord.h`,
//! `xloginsert.c` assembly and `xlogreader.c` decoding, much simplified).
//!
//! # Layout
//!
//! All integers are little-endian. A record starts at an 8-byte-aligned LSN;
//! the bytes between its end and the next 8-byte boundary are zero padding
//! (not counted in the total length).
//!
//! ```text
//! record header, 32 bytes
//! offset size
//!   0     4   total length: header + block references + main data (>= 32)
//!   4     1   resource manager id (rmgr::RM_*)
//!   5     1   info: the rmgr's own record kind bits
//!   6     1   number of block references that follow (0..=MAX_BLOCK_REFS)
//!   7     1   reserved, 0
//!   8     8   xid of the transaction that wrote it (0 = none)
//!  16     8   prev: LSN of the start of the previous record (the back-link)
//!  24     4   length of the main data
//!  28     4   CRC-32C: first over bytes 32..total, then continued over 0..28
//!
//! each block reference, 20 bytes (+ image) (+ data)
//!   0     4   database oid
//!   4     4   relation number (relfilenode)
//!   8     1   fork (0 main, 1 fsm, 2 vm)
//!   9     1   flags: 0x01 HAS_IMAGE, 0x02 WILL_INIT
//!  10     2   reserved, 0
//!  12     4   block number
//!  16     4   length of this block's data
//!  20  8192   full-page image, only if HAS_IMAGE (uncompressed, whole page)
//!   .     n   this block's data (the rmgr's per-block payload)
//!
//! main data, "main data length" bytes (the rmgr's per-record payload)
//! ```
//!
//! The CRC is computed over the payload first and the header last (as
//! PostgreSQL does), so an inserter can checksum its payload before it knows
//! its position and only finish the 28 header bytes under the insert lock
//! once `prev` is known.
//!
//! # Decoding
//!
//! [`decode`] never panics and never allocates more than the buffer it was
//! given: every length is checked against the bytes actually present before
//! it is used, and the CRC is verified before anything is interpreted. A
//! failure is a [`DecodeError`] saying why, which the reader turns into "end
//! of valid WAL".

use crate::Lsn;

/// Size of the fixed record header.
pub const RECORD_HEADER_SIZE: usize = 32;
/// Size of a block reference's fixed part.
pub const BLOCK_HEADER_SIZE: usize = 20;
/// Size of a full-page image: one 8 KiB page.
pub const PAGE_IMAGE_SIZE: usize = 8192;
/// Records start at multiples of this many bytes.
pub const RECORD_ALIGN: u64 = 8;
/// The most block references one record may carry.
pub const MAX_BLOCK_REFS: usize = 32;
/// The largest total length accepted (a sanity bound for garbage).
pub const MAX_RECORD_SIZE: usize = 64 << 20;

/// Block reference flag: a full-page image follows the fixed part.
pub const BKP_HAS_IMAGE: u8 = 0x01;
/// Block reference flag: redo initialises the page from scratch, so its old
/// content does not matter (PostgreSQL's `BKPBLOCK_WILL_INIT`).
pub const BKP_WILL_INIT: u8 = 0x02;
const BKP_KNOWN_FLAGS: u8 = BKP_HAS_IMAGE | BKP_WILL_INIT;

/// Which page a block reference names. The WAL crate does not know the
/// storage layer's newtypes; these are their raw values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockTarget {
    /// Database oid (`base/<db_oid>/`).
    pub db_oid: u32,
    /// Relation file number within the database.
    pub rel_number: u32,
    /// Fork number (0 main, 1 free space map, 2 visibility map).
    pub fork: u8,
    /// Block number within the fork.
    pub block: u32,
}

/// One block reference of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRef {
    /// The page changed.
    pub target: BlockTarget,
    /// `BKP_*` flags; [`BKP_HAS_IMAGE`] is kept in step with `image`.
    pub flags: u8,
    /// The whole page as it was after the change (full-page write), if any.
    pub image: Option<Box<[u8; PAGE_IMAGE_SIZE]>>,
    /// The resource manager's data for this block.
    pub data: Vec<u8>,
}

impl BlockRef {
    /// A block reference carrying only `data`.
    pub fn new(target: BlockTarget, data: Vec<u8>) -> Self {
        BlockRef {
            target,
            flags: 0,
            image: None,
            data,
        }
    }

    /// Attaches a full-page image (sets [`BKP_HAS_IMAGE`]).
    pub fn with_image(mut self, page: &[u8]) -> Self {
        let mut img = Box::new([0u8; PAGE_IMAGE_SIZE]);
        let n = page.len().min(PAGE_IMAGE_SIZE);
        img[..n].copy_from_slice(&page[..n]);
        self.image = Some(img);
        self.flags |= BKP_HAS_IMAGE;
        self
    }

    /// True if this reference carries a full-page image.
    pub fn has_image(&self) -> bool {
        self.image.is_some()
    }
}

/// A record as built by a resource manager before insertion: everything but
/// its position (`prev`) and CRC, which the writer fills in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalRecord {
    /// The writing transaction's xid as a raw number (0 = none). The WAL
    /// crate sits below the storage layer's `Xid` newtype.
    pub xid: u64,
    /// Resource manager id ([`crate::rmgr`]).
    pub rmid: u8,
    /// The resource manager's record kind.
    pub info: u8,
    /// Pages the record changes.
    pub blocks: Vec<BlockRef>,
    /// The resource manager's per-record payload.
    pub main_data: Vec<u8>,
}

impl WalRecord {
    /// A record with no block references.
    pub fn new(rmid: u8, info: u8, xid: u64, main_data: Vec<u8>) -> Self {
        WalRecord {
            xid,
            rmid,
            info,
            blocks: Vec::new(),
            main_data,
        }
    }

    /// Adds a block reference (builder style).
    pub fn with_block(mut self, block: BlockRef) -> Self {
        self.blocks.push(block);
        self
    }

    /// The encoded size (without alignment padding).
    pub fn encoded_len(&self) -> usize {
        RECORD_HEADER_SIZE
            + self
                .blocks
                .iter()
                .map(|b| {
                    BLOCK_HEADER_SIZE
                        + if b.image.is_some() {
                            PAGE_IMAGE_SIZE
                        } else {
                            0
                        }
                        + b.data.len()
                })
                .sum::<usize>()
            + self.main_data.len()
    }
}

/// A record encoded except for `prev` and the CRC: what an inserter prepares
/// outside the insert lock.
#[derive(Debug)]
pub struct EncodedRecord {
    /// The bytes, header included (prev and CRC zero until [`Self::finish`]).
    pub bytes: Vec<u8>,
    /// CRC-32C of `bytes[32..]`.
    payload_crc: u32,
}

/// Why a record is rejected at encoding time.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// More block references than [`MAX_BLOCK_REFS`].
    #[error("too many block references ({0})")]
    TooManyBlocks(usize),
    /// The record would exceed [`MAX_RECORD_SIZE`].
    #[error("WAL record too large ({0} bytes)")]
    TooLarge(usize),
}

/// Encodes `rec` (all but prev and CRC) and checksums its payload.
pub fn encode(rec: &WalRecord) -> Result<EncodedRecord, EncodeError> {
    if rec.blocks.len() > MAX_BLOCK_REFS {
        return Err(EncodeError::TooManyBlocks(rec.blocks.len()));
    }
    let total = rec.encoded_len();
    if total > MAX_RECORD_SIZE {
        return Err(EncodeError::TooLarge(total));
    }
    let mut b = Vec::with_capacity(total);
    b.extend_from_slice(&(total as u32).to_le_bytes());
    b.push(rec.rmid);
    b.push(rec.info);
    b.push(rec.blocks.len() as u8);
    b.push(0);
    b.extend_from_slice(&rec.xid.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&(rec.main_data.len() as u32).to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    for blk in &rec.blocks {
        let mut flags = blk.flags & !BKP_HAS_IMAGE;
        if blk.image.is_some() {
            flags |= BKP_HAS_IMAGE;
        }
        b.extend_from_slice(&blk.target.db_oid.to_le_bytes());
        b.extend_from_slice(&blk.target.rel_number.to_le_bytes());
        b.push(blk.target.fork);
        b.push(flags);
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&blk.target.block.to_le_bytes());
        b.extend_from_slice(&(blk.data.len() as u32).to_le_bytes());
        if let Some(img) = &blk.image {
            b.extend_from_slice(&img[..]);
        }
        b.extend_from_slice(&blk.data);
    }
    b.extend_from_slice(&rec.main_data);
    debug_assert_eq!(b.len(), total);
    let payload_crc = crc32c::crc32c(&b[RECORD_HEADER_SIZE..]);
    Ok(EncodedRecord {
        bytes: b,
        payload_crc,
    })
}

impl EncodedRecord {
    /// Sets the back-link and the CRC: the only position-dependent fields.
    pub fn finish(&mut self, prev: Lsn) {
        self.bytes[16..24].copy_from_slice(&prev.0.to_le_bytes());
        let crc = crc32c::crc32c_append(self.payload_crc, &self.bytes[..28]);
        self.bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    }

    /// The encoded length (without padding).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Never true: a record has at least its header.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Rounds an LSN up to the next record boundary.
pub fn align(lsn: u64) -> u64 {
    lsn.div_ceil(RECORD_ALIGN) * RECORD_ALIGN
}

/// The parsed fixed header of a record (available before the rest is read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// Total length.
    pub total_len: u32,
    /// Resource manager id.
    pub rmid: u8,
    /// Record kind bits.
    pub info: u8,
    /// Number of block references.
    pub nblocks: u8,
    /// Xid (raw).
    pub xid: u64,
    /// Back-link.
    pub prev: Lsn,
    /// Main data length.
    pub main_len: u32,
    /// Stored CRC.
    pub crc: u32,
}

/// Why bytes are not a valid record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Total length 0: nothing was ever written here (end of WAL).
    #[error("zero-length record")]
    ZeroLength,
    /// Fewer bytes than the header or the total length says.
    #[error("record truncated: need {need} bytes, have {have}")]
    Truncated {
        /// Bytes required.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// A length field is impossible.
    #[error("invalid record length {0}")]
    BadLength(usize),
    /// The stored CRC does not match the bytes.
    #[error("incorrect resource manager data checksum")]
    BadCrc,
    /// A block reference or reserved field is malformed.
    #[error("invalid block reference: {0}")]
    BadBlock(&'static str),
}

/// Parses the 32-byte header, checking only what it can alone.
pub fn decode_header(bytes: &[u8]) -> Result<RecordHeader, DecodeError> {
    if bytes.len() < RECORD_HEADER_SIZE {
        return Err(DecodeError::Truncated {
            need: RECORD_HEADER_SIZE,
            have: bytes.len(),
        });
    }
    let u32_at =
        |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let u64_at = |o: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[o..o + 8]);
        u64::from_le_bytes(a)
    };
    let total_len = u32_at(0);
    if total_len == 0 {
        return Err(DecodeError::ZeroLength);
    }
    let h = RecordHeader {
        total_len,
        rmid: bytes[4],
        info: bytes[5],
        nblocks: bytes[6],
        xid: u64_at(8),
        prev: Lsn(u64_at(16)),
        main_len: u32_at(24),
        crc: u32_at(28),
    };
    let total = total_len as usize;
    if !(RECORD_HEADER_SIZE..=MAX_RECORD_SIZE).contains(&total) {
        return Err(DecodeError::BadLength(total));
    }
    if bytes[7] != 0 || h.nblocks as usize > MAX_BLOCK_REFS {
        return Err(DecodeError::BadLength(total));
    }
    if h.main_len as usize > total - RECORD_HEADER_SIZE {
        return Err(DecodeError::BadLength(total));
    }
    Ok(h)
}

/// Decodes and validates one whole record in `bytes` (exactly or at least
/// its total length; extra bytes are ignored).
pub fn decode(bytes: &[u8]) -> Result<(RecordHeader, WalRecord), DecodeError> {
    let h = decode_header(bytes)?;
    let total = h.total_len as usize;
    if bytes.len() < total {
        return Err(DecodeError::Truncated {
            need: total,
            have: bytes.len(),
        });
    }
    let bytes = &bytes[..total];
    let crc = crc32c::crc32c_append(crc32c::crc32c(&bytes[RECORD_HEADER_SIZE..]), &bytes[..28]);
    if crc != h.crc {
        return Err(DecodeError::BadCrc);
    }
    let mut pos = RECORD_HEADER_SIZE;
    let body_end = total - h.main_len as usize;
    let mut blocks = Vec::with_capacity(h.nblocks as usize);
    for _ in 0..h.nblocks {
        if body_end - pos < BLOCK_HEADER_SIZE {
            return Err(DecodeError::BadBlock("header past end of record"));
        }
        let b = &bytes[pos..pos + BLOCK_HEADER_SIZE];
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let flags = b[9];
        if flags & !BKP_KNOWN_FLAGS != 0 || b[10] != 0 || b[11] != 0 {
            return Err(DecodeError::BadBlock("unknown flags"));
        }
        let target = BlockTarget {
            db_oid: u32_at(0),
            rel_number: u32_at(4),
            fork: b[8],
            block: u32_at(12),
        };
        let data_len = u32_at(16) as usize;
        pos += BLOCK_HEADER_SIZE;
        let image = if flags & BKP_HAS_IMAGE != 0 {
            if body_end - pos < PAGE_IMAGE_SIZE {
                return Err(DecodeError::BadBlock("image past end of record"));
            }
            let mut img = Box::new([0u8; PAGE_IMAGE_SIZE]);
            img.copy_from_slice(&bytes[pos..pos + PAGE_IMAGE_SIZE]);
            pos += PAGE_IMAGE_SIZE;
            Some(img)
        } else {
            None
        };
        if body_end - pos < data_len {
            return Err(DecodeError::BadBlock("data past end of record"));
        }
        let data = bytes[pos..pos + data_len].to_vec();
        pos += data_len;
        blocks.push(BlockRef {
            target,
            flags,
            image,
            data,
        });
    }
    if pos != body_end {
        return Err(DecodeError::BadLength(total));
    }
    let rec = WalRecord {
        xid: h.xid,
        rmid: h.rmid,
        info: h.info,
        blocks,
        main_data: bytes[body_end..].to_vec(),
    };
    Ok((h, rec))
}

/// A record read back from the WAL, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedRecord {
    /// Where it starts (`ReadRecPtr`).
    pub lsn: Lsn,
    /// Where it ends (`EndRecPtr`; unaligned): the LSN pages it changed carry.
    pub end_lsn: Lsn,
    /// The back-link it carried.
    pub prev: Lsn,
    /// The record itself.
    pub record: WalRecord,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(block: u32) -> BlockTarget {
        BlockTarget {
            db_oid: 5,
            rel_number: 16384,
            fork: 0,
            block,
        }
    }

    fn sample(with_image: bool) -> WalRecord {
        let mut page = vec![0u8; PAGE_IMAGE_SIZE];
        for (i, b) in page.iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        let mut b0 = BlockRef::new(target(7), b"tuple bytes".to_vec());
        if with_image {
            b0 = b0.with_image(&page);
        }
        WalRecord::new(10, 0x20, 42, b"main".to_vec())
            .with_block(b0)
            .with_block(BlockRef::new(target(9), Vec::new()))
    }

    #[test]
    fn round_trip_with_and_without_image() {
        for img in [false, true] {
            let rec = sample(img);
            let mut e = encode(&rec).unwrap();
            e.finish(Lsn(0x1000028));
            assert_eq!(e.len(), rec.encoded_len());
            let (h, back) = decode(&e.bytes).unwrap();
            assert_eq!(h.prev, Lsn(0x1000028));
            assert_eq!(back, rec);
            assert_eq!(back.blocks[0].has_image(), img);
        }
    }

    #[test]
    fn every_single_bit_flip_is_caught() {
        let rec = sample(false);
        let mut e = encode(&rec).unwrap();
        e.finish(Lsn(8));
        for i in 0..e.bytes.len() {
            for bit in 0..8 {
                let mut b = e.bytes.clone();
                b[i] ^= 1 << bit;
                assert!(decode(&b).is_err(), "flip byte {i} bit {bit} accepted");
            }
        }
    }

    #[test]
    fn truncations_and_garbage_never_panic() {
        let mut e = encode(&sample(true)).unwrap();
        e.finish(Lsn(8));
        for n in 0..e.bytes.len() {
            assert!(decode(&e.bytes[..n]).is_err());
        }
        assert_eq!(decode(&[0u8; 64]), Err(DecodeError::ZeroLength));
        // Pseudo-random garbage, including plausible lengths.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            let mut buf = vec![0u8; 256];
            for b in buf.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            buf[0..4].copy_from_slice(&((x % 300) as u32).to_le_bytes());
            buf[6] = (x >> 40) as u8 % 4;
            let _ = decode(&buf);
        }
    }
}
