//! Domain newtypes shared by every layer: object ids, transaction ids, command
//! ids, block and offset numbers, item pointers and relation file locators.
//!
//! Transaction ids are 64 bits wide (DESIGN.md, the first deliberate deviation
//! from PostgreSQL): they never wrap, so there is no anti-wraparound vacuum.

use std::fmt;

/// An object identifier, as in PostgreSQL: built-in objects keep PostgreSQL's
/// OIDs, user objects are numbered from [`Oid::FIRST_NORMAL`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(pub u32);

impl Oid {
    /// "No object".
    pub const INVALID: Oid = Oid(0);
    /// The first OID handed to a user object (PostgreSQL's FirstNormalObjectId).
    pub const FIRST_NORMAL: Oid = Oid(16384);
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A 64-bit transaction id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Xid(pub u64);

impl Xid {
    /// No transaction: an `xmax` of 0 means "not deleted".
    pub const INVALID: Xid = Xid(0);
    /// The transaction that wrote the bootstrap catalog; always committed.
    pub const BOOTSTRAP: Xid = Xid(1);
    /// Marks a tuple visible to everyone; always committed.
    pub const FROZEN: Xid = Xid(2);
    /// The first xid handed to a real transaction.
    pub const FIRST_NORMAL: Xid = Xid(3);

    /// True unless this is [`Xid::INVALID`].
    pub fn is_valid(self) -> bool {
        self != Self::INVALID
    }

    /// True for xids of real transactions (not the special ones below 3).
    pub fn is_normal(self) -> bool {
        self >= Self::FIRST_NORMAL
    }

    /// The next xid in order.
    pub fn next(self) -> Xid {
        Xid(self.0 + 1)
    }
}

impl fmt::Display for Xid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The number of a command within a transaction; a statement sees the effects
/// of commands before it, never its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommandId(pub u32);

impl CommandId {
    /// The first command of a transaction.
    pub const FIRST: CommandId = CommandId(0);
}

/// A block (page) number within one fork of a relation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockNumber(pub u32);

impl BlockNumber {
    /// "No block" (PostgreSQL's InvalidBlockNumber).
    pub const INVALID: BlockNumber = BlockNumber(u32::MAX);
}

impl fmt::Display for BlockNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A 1-based line pointer number within a page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OffsetNumber(pub u16);

impl OffsetNumber {
    /// "No line pointer".
    pub const INVALID: OffsetNumber = OffsetNumber(0);
    /// The first line pointer of a page.
    pub const FIRST: OffsetNumber = OffsetNumber(1);
}

/// A tuple's address: block and line pointer (PostgreSQL's `ctid`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemPointer {
    /// The heap block.
    pub block: BlockNumber,
    /// The line pointer within the block.
    pub offset: OffsetNumber,
}

impl ItemPointer {
    /// The address of line pointer `offset` on `block`.
    pub fn new(block: BlockNumber, offset: OffsetNumber) -> Self {
        ItemPointer { block, offset }
    }
}

impl fmt::Display for ItemPointer {
    /// PostgreSQL's `tid` text form, `(block,offset)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({},{})", self.block.0, self.offset.0)
    }
}

/// Which file of a relation: the data itself, its free space map, or its
/// visibility map (PostgreSQL's ForkNumber).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ForkNumber {
    /// The relation's pages.
    Main,
    /// Free space map, file suffix `_fsm`.
    Fsm,
    /// Visibility map, file suffix `_vm`.
    VisibilityMap,
}

impl ForkNumber {
    /// The suffix PostgreSQL appends to the relfilenode for this fork.
    pub fn suffix(self) -> &'static str {
        match self {
            ForkNumber::Main => "",
            ForkNumber::Fsm => "_fsm",
            ForkNumber::VisibilityMap => "_vm",
        }
    }
}

/// Where a relation's files live: `base/<db_oid>/<rel_number>` (PostgreSQL's
/// RelFileLocator; tablespaces are not supported, so there is no spcOid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelFileLocator {
    /// The database directory under `base/`.
    pub db_oid: Oid,
    /// The relfilenode: the file name within the database directory.
    pub rel_number: Oid,
}

impl fmt::Display for RelFileLocator {
    /// The relation's path relative to the data directory, as PostgreSQL
    /// names relations in error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "base/{}/{}", self.db_oid, self.rel_number)
    }
}
