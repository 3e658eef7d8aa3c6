//! OpenAPI schemas (feature `openapi`) of the kernel values whose serde shape a derive cannot
//! see: ids and currencies go through `String` (`#[serde(try_from, into)]`), and exact decimals
//! are strings. Each schema states what the serde implementation writes and what it accepts.

use crate::money::CURRENCIES;
use crate::{Currency, CustomerId, FeatureCode, IdempotencyKey, PlanCode};
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

/// The characters of ids and codes, as [`crate::ids`] validates them.
pub const ID_PATTERN: &str = "^[A-Za-z0-9_.:@-]+$";

/// The form Tollgate writes exact decimals in (`"0.003"`, `"-1.500000"`, `"49"`): an optional
/// minus, digits, and optionally a point and more digits. Never an exponent, never a float.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

fn id_schema(description: &str, max: usize) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(ID_PATTERN))
        .description(Some(description))
        .into()
}

macro_rules! id_schema {
    ($name:ident, $description:literal, $max:literal) => {
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                id_schema($description, $max)
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

id_schema!(
    CustomerId,
    "The product's own id for a customer (tenant, organization).",
    128
);
id_schema!(
    PlanCode,
    "Code of a plan or add-on in the catalog (`pro`, `storage_10gb`).",
    64
);
id_schema!(
    FeatureCode,
    "Code of a feature in the catalog (`api_calls`, `storage_bytes`).",
    64
);
id_schema!(
    IdempotencyKey,
    "The caller's key that makes a usage event (or any mutation) count once.",
    255
);

/// Written as the upper-case ISO 4217 code. Input is matched case-insensitively after trimming
/// (`" usd"` is read as `USD`); the schema lists the canonical codes only.
impl PartialSchema for Currency {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(CURRENCIES.iter().map(|(code, _)| *code)))
            .description(Some(
                "ISO 4217 code of a currency Tollgate knows; zero-decimal currencies (JPY, KRW, \
                 VND, CLP, ISK) count whole units in `amount_minor`.",
            ))
            .into()
    }
}

impl ToSchema for Currency {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Currency")
    }
}

/// The schema of a [`rust_decimal::Decimal`] written as a string, for fields declared with
/// `#[schema(value_type = tollgate_kernel::DecimalString)]`: a `Decimal` field's own schema
/// (with utoipa's `decimal` feature) is a bare string.
#[derive(Debug)]
pub struct DecimalString;

impl PartialSchema for DecimalString {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("decimal".to_owned())))
            .pattern(Some(DECIMAL_PATTERN))
            .description(Some(
                "An exact decimal number as a string (`\"0.003\"`), never a JSON number: \
                 money and prices never pass through floating point.",
            ))
            .examples(["0.003"])
            .into()
    }
}

impl ToSchema for DecimalString {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Decimal")
    }
}
