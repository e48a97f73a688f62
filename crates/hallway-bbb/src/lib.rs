//! The BigBlueButton API: value types, checksums, XML responses and the reqwest client.
//!
//! No HTTP server framework and no database: the portal, its simulator, the CLI and the fuzz
//! targets all use it.
