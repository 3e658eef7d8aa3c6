//! Strings of the pricing screens: `(key, [en, de, fr, vi])`.

pub const STRINGS: super::Table = &[];
