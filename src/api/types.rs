//! Shapes shared by the operations: names in both languages, references to
//! other records, moments with their offset.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{beijing, Lang};

/// A text in Chinese (the registry's first language) and English.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Names {
    #[schema(example = "直播电商平台合规管理规范")]
    pub zh: String,
    #[schema(example = "Compliance management of live-stream e-commerce platforms")]
    pub en: String,
}

impl Names {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Names { zh: zh.into(), en: en.into() }
    }

    /// The same words in both languages, made by `f`.
    pub fn both(f: impl Fn(Lang) -> String) -> Self {
        Names { zh: f(Lang::Zh), en: f(Lang::En) }
    }

    /// A catalog key's text in both languages.
    pub fn key(key: &str) -> Self {
        Names::both(|l| l.t(key).to_owned())
    }
}

/// Another record named in this one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: Names,
}

impl OrgRef {
    pub fn of(o: &crate::db::orgs::Org) -> Self {
        OrgRef { id: o.id, name: Names::new(&o.name_zh, &o.name_en) }
    }
}

/// A moment stored in UTC, given in Beijing time with its offset (ISO 8601).
pub fn at(utc: NaiveDateTime) -> DateTime<FixedOffset> {
    beijing().from_utc_datetime(&utc)
}

/// The absolute URL of a path on this site.
pub fn url(state: &crate::web::AppState, path: &str) -> String {
    format!("{}{path}", state.settings.public_url)
}
