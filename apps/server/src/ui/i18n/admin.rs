//! Strings of the admin screens: `(key, [en, de, fr, vi])`.

pub const STRINGS: super::Table = &[];
