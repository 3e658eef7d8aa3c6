//! OpenAPI schemas (feature `openapi`) of the catalog values whose serde implementation is
//! written by hand: the flat entitlement and override shapes, and the transparent list of
//! effective entitlements.
//!
//! The flat shapes carry exactly one of `limit`, `enabled` or `value` (an override may carry
//! none when it only changes `enforcement`), and refuse unknown keys: each is a `oneOf` of
//! closed objects, one per value field, so a body with two value fields matches none.

use crate::{EffectiveEntitlement, Entitlement, Entitlements, Overage, Override, PayWith};
use std::borrow::Cow;
use tollgate_kernel::{Enforcement, FeatureCode, Window};
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema,
    SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

type Schemas = Vec<(String, RefOr<Schema>)>;

fn reference<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// Pushes `T`'s schema and everything it refers to, as derived schemas do for their fields.
fn collect<T: ToSchema>(schemas: &mut Schemas) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// `limit`: a whole number, `null` for unlimited, or the word `"unlimited"` (TOML has no
/// `null`); output always writes a number or `null`.
fn limit_schema() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
                .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                    utoipa::openapi::schema::KnownFormat::Int64,
                ))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["unlimited"])),
        )
        .description(Some(
            "For metered, gauge, concurrency and per_request features; `null` (or \
             `\"unlimited\"`) is unlimited.",
        ))
        .into()
}

fn enabled_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .description(Some("For boolean features: whether the gate is on."))
}

fn value_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .description(Some(
            "For config features: any JSON value (retention days, a list of export formats); \
             `null` is kept as a value.",
        ))
}

/// One closed variant of a flat shape: `feature`, the optional fields, and the value field.
fn variant(
    common: &dyn Fn(ObjectBuilder) -> ObjectBuilder,
    value: Option<(&str, RefOr<Schema>)>,
    also_required: Option<&str>,
) -> ObjectBuilder {
    let mut object = common(ObjectBuilder::new().required("feature"));
    if let Some((name, schema)) = value {
        object = object.property(name, schema).required(name);
    }
    if let Some(name) = also_required {
        object = object.required(name);
    }
    object.additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
}

fn warn_at_schema() -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(255)),
        )
        .description(Some(
            "Percentages of the limit at which the customer is warned; a plan accepts 1 to 100. \
             Defaults to [80, 100].",
        ))
        .into()
}

fn entitlement_fields(object: ObjectBuilder) -> ObjectBuilder {
    object
        .property("feature", reference::<FeatureCode>())
        .property("window", reference::<Window>())
        .property("enforcement", reference::<Enforcement>())
        .property("overage", reference::<Overage>())
        .property("warn_at", warn_at_schema())
        .property("pay_with", reference::<PayWith>())
}

impl PartialSchema for Entitlement {
    fn schema() -> RefOr<Schema> {
        let common = entitlement_fields;
        OneOfBuilder::new()
            .item(variant(&common, Some(("limit", limit_schema())), None))
            .item(variant(
                &common,
                Some(("enabled", enabled_schema().into())),
                None,
            ))
            .item(variant(
                &common,
                Some(("value", value_schema().into())),
                None,
            ))
            .description(Some(
                "What a plan grants for one feature: exactly one of `limit`, `enabled` or \
                 `value`, by the feature's kind. `enforcement` defaults to `hard`. Limits are \
                 written with `enforcement` and `warn_at`; gates and settings only when these \
                 differ from the defaults.",
            ))
            .into()
    }
}

impl ToSchema for Entitlement {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Entitlement")
    }

    fn schemas(schemas: &mut Schemas) {
        collect::<FeatureCode>(schemas);
        collect::<Window>(schemas);
        collect::<Enforcement>(schemas);
        collect::<Overage>(schemas);
        collect::<PayWith>(schemas);
    }
}

impl PartialSchema for Override {
    fn schema() -> RefOr<Schema> {
        let common = |o: ObjectBuilder| {
            o.property("feature", reference::<FeatureCode>())
                .property("enforcement", reference::<Enforcement>())
        };
        OneOfBuilder::new()
            .item(variant(&common, Some(("limit", limit_schema())), None))
            .item(variant(
                &common,
                Some(("enabled", enabled_schema().into())),
                None,
            ))
            .item(variant(
                &common,
                Some(("value", value_schema().into())),
                None,
            ))
            .item(variant(&common, None, Some("enforcement")))
            .description(Some(
                "Replaces parts of one feature's entitlement for one customer: at most one of \
                 `limit`, `enabled` or `value`, and at least one of them or `enforcement`.",
            ))
            .into()
    }
}

impl ToSchema for Override {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Override")
    }

    fn schemas(schemas: &mut Schemas) {
        collect::<FeatureCode>(schemas);
        collect::<Enforcement>(schemas);
    }
}

/// Written as a bare array (`#[serde(transparent)]`).
impl PartialSchema for Entitlements {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(reference::<EffectiveEntitlement>())
            .description(Some(
                "A customer's effective entitlements, one per feature, in catalog order.",
            ))
            .into()
    }
}

impl ToSchema for Entitlements {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Entitlements")
    }

    fn schemas(schemas: &mut Schemas) {
        collect::<EffectiveEntitlement>(schemas);
    }
}
