//! Conference schedule parsers: every real exporter's format into one normalized model.
//!
//! Pure: no HTTP framework, no database, no templates. The portal's `schedule` feature folder
//! imports, diffs, stores and shows what these parsers return; the fuzz targets drive them
//! alone.
