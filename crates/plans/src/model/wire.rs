//! Field codecs shared by the flat entitlement and override wire shapes.
//!
//! JSON needs three states for `limit` (absent, `null` = unlimited, a number) and two for `value`
//! (absent, present even when `null`), which plain `Option` fields collapse. TOML has no `null`,
//! so `limit = "unlimited"` is accepted as a synonym on input; output always writes `null`.

use serde::Deserializer;
use serde::de::{self, Visitor};
use std::fmt;

/// Reads a present `limit`: `Some(None)` for `null` / `"unlimited"`, `Some(Some(n))` for a
/// whole number. Used with `#[serde(default, deserialize_with = …)]` so absence stays `None`.
pub(crate) fn limit_field<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<i64>>, D::Error> {
    d.deserialize_any(LimitVisitor).map(Some)
}

/// Reads a present `value`, keeping an explicit `null` as `Some(Value::Null)`.
pub(crate) fn present_value<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

struct LimitVisitor;

impl<'de> Visitor<'de> for LimitVisitor {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number, null or \"unlimited\"")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom(format!("limit {v} is too large")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v == "unlimited" {
            Ok(None)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Names the value fields that are present, for "exactly one of" messages.
pub(crate) fn present_fields(limit: bool, enabled: bool, value: bool) -> Vec<&'static str> {
    [(limit, "limit"), (enabled, "enabled"), (value, "value")]
        .into_iter()
        .filter_map(|(present, name)| present.then_some(name))
        .collect()
}
