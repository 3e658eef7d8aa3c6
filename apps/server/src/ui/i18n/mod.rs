//! One translation layer for every screen: English, German, French and Vietnamese.
//!
//! Strings live in per-area tables (`common`, `pricing`, `app`, `admin`), each entry one key
//! with its four translations side by side, so a missing translation is visible in review and
//! caught by a test. A page's language comes from `?lang=` (remembered in a cookie), then the
//! cookie, then `Accept-Language`, then English.

mod admin;
mod app;
mod common;
mod pricing;

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use actix_web::HttpRequest;

/// A table of `(key, [en, de, fr, vi])`.
pub type Table = &'static [(&'static str, [&'static str; 4])];

const TABLES: [Table; 4] = [
    common::STRINGS,
    pricing::STRINGS,
    app::STRINGS,
    admin::STRINGS,
];

/// The languages of the UI, in the order of each table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    De,
    Fr,
    Vi,
}

pub const LANGS: [Lang; 4] = [Lang::En, Lang::De, Lang::Fr, Lang::Vi];

/// The cookie that remembers a `?lang=` choice.
pub const LANG_COOKIE: &str = "tg_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Vi => "vi",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::De => "Deutsch",
            Self::Fr => "Français",
            Self::Vi => "Tiếng Việt",
        }
    }

    fn column(self) -> usize {
        match self {
            Self::En => 0,
            Self::De => 1,
            Self::Fr => 2,
            Self::Vi => 3,
        }
    }

    /// `de`, `de-AT`, `DE_de` → German; anything else unsupported → `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let primary = raw
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        LANGS.into_iter().find(|l| l.code() == primary)
    }

    /// The best supported language of an `Accept-Language` header (highest `q` first, the
    /// header's order between equals).
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(u32, Self)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, |q| {
                    q.trim()
                        .parse::<f32>()
                        .map_or(0, |v| (v.clamp(0.0, 1.0) * 1000.0) as u32)
                });
            if q == 0 {
                continue;
            }
            if let Some(lang) = Self::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// The language of a request: `?lang=`, the cookie, `Accept-Language`, English.
    pub fn of_request(req: &HttpRequest) -> Self {
        query_lang(req)
            .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Self::parse(c.value())))
            .or_else(|| {
                req.headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Self::from_accept_language)
            })
            .unwrap_or(Self::En)
    }

    /// The string `key` in this language (English when this language lacks it, the key itself
    /// when no table has it, so a typo shows up on screen rather than as an empty space).
    pub fn t(self, key: &str) -> &'static str {
        let Some(row) = index().get(key) else {
            tracing::warn!(key, "ui string missing");
            return "\u{2047}";
        };
        let s = row[self.column()];
        if s.is_empty() { row[0] } else { s }
    }

    /// [`Lang::t`] with `{0}`, `{1}`… replaced by `args`.
    pub fn tf(self, key: &str, args: &[&dyn Display]) -> String {
        let mut out = self.t(key).to_owned();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }
}

/// `?lang=` of a request, when it names a supported language.
pub fn query_lang(req: &HttpRequest) -> Option<Lang> {
    url_param(req.query_string(), "lang").and_then(|v| Lang::parse(&v))
}

/// The first value of a query parameter, percent-decoded.
pub fn url_param(query: &str, name: &str) -> Option<String> {
    actix_web::web::Query::<Vec<(String, String)>>::from_query(query)
        .ok()?
        .into_inner()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn index() -> &'static HashMap<&'static str, [&'static str; 4]> {
    static INDEX: OnceLock<HashMap<&'static str, [&'static str; 4]>> = OnceLock::new();
    INDEX.get_or_init(|| {
        TABLES
            .iter()
            .flat_map(|t| t.iter())
            .map(|(k, v)| (*k, *v))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_has_all_four_languages_and_keys_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (key, row) in TABLES.iter().flat_map(|t| t.iter()) {
            assert!(seen.insert(*key), "duplicate key {key}");
            for (i, s) in row.iter().enumerate() {
                assert!(!s.trim().is_empty(), "{key}: column {i} is empty");
            }
            let placeholders = |s: &str| (0..4).filter(|i| s.contains(&format!("{{{i}}}"))).count();
            let en = placeholders(row[0]);
            for s in &row[1..] {
                assert_eq!(
                    placeholders(s),
                    en,
                    "{key}: {s:?} has other placeholders than English"
                );
            }
        }
    }

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Lang::from_accept_language("de-DE,de;q=0.9,en;q=0.8"),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::from_accept_language("ja,fr;q=0.5,vi;q=0.7"),
            Some(Lang::Vi)
        );
        assert_eq!(Lang::from_accept_language("ja, zh;q=0.9"), None);
        assert_eq!(
            Lang::from_accept_language("fr;q=0,en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::parse("VI_vn"), Some(Lang::Vi));
    }

    #[test]
    fn strings_are_translated_and_formatted() {
        assert_eq!(Lang::De.t("nav.usage"), "Nutzung");
        assert_eq!(
            Lang::En.tf("common.signed_in_as", &[&"acme"]),
            "Signed in as acme"
        );
        assert_eq!(Lang::Vi.t("no.such.key"), "\u{2047}");
    }
}
