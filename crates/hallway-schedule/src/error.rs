//! The one error type of every schedule parser, in a module of its own so that the parsers and
//! their shared helpers (`common`) can all return it without importing one another.

use crate::model::Position;

/// A fatal problem: the file cannot be imported as a whole.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {message}")]
pub struct ParseError {
    /// Where the problem is (`LineColumn` of the offending element or byte,
    /// `Whole` for size limits).
    pub position: Position,
    /// Human-readable explanation.
    pub message: String,
}
