//! Log sequence numbers.
//!
//! An LSN is a byte position in the WAL stream. It is printed as PostgreSQL
//! prints it: the high and low 32 bits in upper-case hex, separated by a slash
//! (`0/16B3F48`).

use std::fmt;
use std::str::FromStr;

/// A byte position in the WAL stream; `Lsn::INVALID` (0) means "none".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl Lsn {
    /// No position: pages that were never WAL-logged carry it.
    pub const INVALID: Lsn = Lsn(0);

    /// True unless this is [`Lsn::INVALID`].
    pub fn is_valid(self) -> bool {
        self != Self::INVALID
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// The text form could not be read as `HI/LO`.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseLsnError;

impl fmt::Display for ParseLsnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid LSN")
    }
}

impl std::error::Error for ParseLsnError {}

impl FromStr for Lsn {
    type Err = ParseLsnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (hi, lo) = s.split_once('/').ok_or(ParseLsnError)?;
        let hi = u32::from_str_radix(hi, 16).map_err(|_| ParseLsnError)?;
        let lo = u32::from_str_radix(lo, 16).map_err(|_| ParseLsnError)?;
        Ok(Lsn((u64::from(hi) << 32) | u64::from(lo)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_like_postgres() {
        let lsn = Lsn(0x16B3F48);
        assert_eq!(lsn.to_string(), "0/16B3F48");
        assert_eq!("0/16B3F48".parse::<Lsn>(), Ok(lsn));
        assert_eq!(Lsn(0x1_0000_0001).to_string(), "1/1");
        assert_eq!("zz".parse::<Lsn>(), Err(ParseLsnError));
    }
}
