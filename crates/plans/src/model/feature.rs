//! Features and the catalog of them: the vocabulary every plan, add-on and override refers to.

use crate::error::{CatalogError, PlanError, Subject};
use serde::{Deserialize, Serialize};
use tollgate_kernel::{FeatureCode, FeatureKind};

/// Longest name of a feature or plan, in characters (it is shown in tables and on invoices).
pub(crate) const MAX_NAME: usize = 200;
/// Longest description of a feature or plan, in characters.
pub(crate) const MAX_DESCRIPTION: usize = 2000;
const MAX_UNIT: usize = 50;

/// Something a customer can be entitled to: a gate, a counter, a level, a cap or a setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Feature {
    pub code: FeatureCode,
    /// Shown to customers ("API calls").
    pub name: String,
    pub kind: FeatureKind,
    /// Singular unit of a quantity ("call", "byte", "seat"); `None` for gates and settings.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Feature {
    pub fn new(code: FeatureCode, name: impl Into<String>, kind: FeatureKind) -> Self {
        Self {
            code,
            name: name.into(),
            kind,
            unit: None,
            description: None,
        }
    }

    #[must_use]
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Checks what the types cannot: a feature needs a visible name and a non-blank unit, and
    /// its texts have bounded lengths.
    ///
    /// # Errors
    /// [`PlanError::Invalid`] naming the feature and the field.
    pub fn validate(&self) -> Result<(), PlanError> {
        let invalid = |reason: &str| PlanError::Invalid {
            subject: Subject::Feature(self.code.clone()),
            reason: reason.to_owned(),
        };
        if self.name.trim().is_empty() {
            return Err(invalid("name must not be empty"));
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(invalid("name must be at most 200 characters"));
        }
        if self.unit.as_deref().is_some_and(|u| u.trim().is_empty()) {
            return Err(invalid("unit must not be blank (leave it out instead)"));
        }
        if self
            .unit
            .as_deref()
            .is_some_and(|u| u.chars().count() > MAX_UNIT)
        {
            return Err(invalid("unit must be at most 50 characters"));
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
        {
            return Err(invalid("description must be at most 2000 characters"));
        }
        Ok(())
    }
}

/// The features of a deployment, in their catalog order, unique by code.
///
/// The order is the order effective entitlements are listed in (UI rows, API answers), so it is
/// the order features were defined in, not alphabetical.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureCatalog {
    features: Vec<Feature>,
}

impl FeatureCatalog {
    /// Builds the catalog, refusing two features with the same code and invalid features.
    ///
    /// # Errors
    /// - [`CatalogError::DuplicateFeature`] when a code appears twice.
    /// - [`CatalogError::Invalid`] when a feature fails [`Feature::validate`].
    pub fn new(features: Vec<Feature>) -> Result<Self, CatalogError> {
        for (i, f) in features.iter().enumerate() {
            f.validate()?;
            if features[..i].iter().any(|g| g.code == f.code) {
                return Err(CatalogError::DuplicateFeature(f.code.clone()));
            }
        }
        Ok(Self { features })
    }

    pub fn get(&self, code: &FeatureCode) -> Option<&Feature> {
        self.features.iter().find(|f| &f.code == code)
    }

    pub fn contains(&self, code: &FeatureCode) -> bool {
        self.get(code).is_some()
    }

    /// The feature behind an entry of `subject`, or the error that names both.
    ///
    /// # Errors
    /// [`PlanError::UnknownFeature`] when the catalog has no such feature.
    pub fn require(&self, subject: &Subject, code: &FeatureCode) -> Result<&Feature, PlanError> {
        self.get(code).ok_or_else(|| PlanError::UnknownFeature {
            subject: subject.clone(),
            feature: code.clone(),
        })
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Feature> {
        self.features.iter()
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    pub fn into_vec(self) -> Vec<Feature> {
        self.features
    }
}

impl<'a> IntoIterator for &'a FeatureCatalog {
    type Item = &'a Feature;
    type IntoIter = std::slice::Iter<'a, Feature>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> FeatureCode {
        FeatureCode::parse(s).unwrap()
    }

    #[test]
    fn keeps_definition_order_and_finds_by_code() {
        let cat = FeatureCatalog::new(vec![
            Feature::new(code("z_calls"), "Calls", FeatureKind::Metered),
            Feature::new(code("a_flag"), "Flag", FeatureKind::Boolean),
        ])
        .unwrap();
        let order: Vec<_> = cat.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(order, ["z_calls", "a_flag"]);
        assert_eq!(cat.get(&code("a_flag")).unwrap().kind, FeatureKind::Boolean);
        assert!(!cat.contains(&code("nope")));
    }

    #[test]
    fn refuses_duplicates_and_blank_names() {
        let f = Feature::new(code("calls"), "Calls", FeatureKind::Metered);
        let err = FeatureCatalog::new(vec![f.clone(), f]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "feature \"calls\" is defined more than once"
        );
        let err = FeatureCatalog::new(vec![Feature::new(code("x"), " ", FeatureKind::Gauge)])
            .unwrap_err();
        assert_eq!(err.to_string(), "feature \"x\": name must not be empty");
        let blank_unit = Feature::new(code("x"), "X", FeatureKind::Gauge).with_unit("");
        assert!(
            blank_unit
                .validate()
                .unwrap_err()
                .to_string()
                .contains("unit")
        );
    }

    #[test]
    fn json_shape() {
        let f: Feature = serde_json::from_str(
            r#"{"code": "api_calls", "name": "API calls", "kind": "metered", "unit": "call"}"#,
        )
        .unwrap();
        assert_eq!(f.unit.as_deref(), Some("call"));
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            serde_json::json!({"code": "api_calls", "name": "API calls", "kind": "metered", "unit": "call"})
        );
    }

    #[test]
    fn texts_have_bounded_lengths() {
        let f = || Feature::new(code("x"), "X", FeatureKind::Metered).with_unit("call");
        assert!(f().validate().is_ok());
        let long_name = Feature::new(code("x"), "n".repeat(201), FeatureKind::Metered);
        assert!(
            long_name
                .validate()
                .unwrap_err()
                .to_string()
                .contains("name")
        );
        let long_unit = f().with_unit("u".repeat(51));
        assert!(
            long_unit
                .validate()
                .unwrap_err()
                .to_string()
                .contains("unit")
        );
        let mut long_description = f();
        long_description.description = Some("d".repeat(2001));
        assert!(
            long_description
                .validate()
                .unwrap_err()
                .to_string()
                .contains("description")
        );
    }
}
