//! Strings of the app screens: `(key, [en, de, fr, vi])`.

pub const STRINGS: super::Table = &[];
