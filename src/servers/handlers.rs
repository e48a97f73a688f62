//! Staff actions on servers and rooms (placeholder replaced below).
