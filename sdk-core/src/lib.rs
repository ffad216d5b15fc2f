//! sdk-core (work in progress).
