//! VACUUM and the autovacuum launcher (issue #6).
//!
//! Not done yet: everything (issue #6). The crate exists so the workspace has
//! the layout DESIGN.md fixes.

#![deny(unsafe_code)]
