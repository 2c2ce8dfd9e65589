//! What every page needs about the request: language, signed-in user, CSRF
//! token, flash message, request id. Built once per request by the session
//! middleware; handlers take it with the [`Ctx`] extractor.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::NaiveDateTime;

use crate::auth::SignedIn;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub lang: Lang,
    /// The signed-in user, if any (see [`SignedIn`]).
    pub user: Option<SignedIn>,
    pub csrf_token: String,
    pub flash: Option<String>,
    /// The flash tells of something that did not go as asked (`flash.alert.*`).
    pub flash_alert: bool,
    pub request_id: String,
    /// Path and query of this request, for the language switch and `next`.
    pub path: String,
    pub client_ip: String,
    /// The browser's User-Agent (for the security log).
    pub user_agent: String,
    /// The demo accounts to list on the login page (empty unless in demo mode).
    pub demo_accounts: &'static [&'static str],
    /// How many items the signed-in user's 待办 holds (0 for the public).
    pub todo_count: i64,
}

/// Shared handle on the request context (cheap to clone); what page structs hold.
#[derive(Debug, Clone)]
pub struct Ctx(pub Rc<RequestCtx>);

impl std::ops::Deref for Ctx {
    type Target = RequestCtx;
    fn deref(&self) -> &RequestCtx {
        &self.0
    }
}

impl RequestCtx {
    /// A security-log event about this request: address, user agent, path and signed-in user.
    pub fn security_event(&self) -> crate::db::security_log::NewEvent {
        crate::db::security_log::NewEvent {
            email: self.user.as_ref().map(|u| u.user.email.clone()),
            user_id: self.user.as_ref().map(|u| u.user.id),
            address: self.client_ip.clone(),
            user_agent: self.user_agent.clone(),
            path: self.path.clone(),
            detail: None,
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }

    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.lang.tf(key, args)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    /// Of a record's two language versions (`name_zh`, `name_en`), the reader's:
    /// `{{ ctx.pick(org.name_zh, org.name_en) }}`.
    pub fn pick<'a, T: ?Sized>(&self, zh: &'a T, en: &'a T) -> &'a T {
        self.lang.pick(zh, en)
    }

    /// Of the two language versions, the one in the other language (shown
    /// beside the reader's, e.g. an organization's other name).
    pub fn pick_other<'a, T: ?Sized>(&self, zh: &'a T, en: &'a T) -> &'a T {
        self.pick(en, zh)
    }

    /// The colon between a label and its text: "：" in Chinese, ": " in English.
    pub fn colon(&self) -> &'static str {
        self.pick("：", ": ")
    }

    /// The code of the language the switch in the header leads to.
    pub fn other_lang_code(&self) -> &'static str {
        self.pick(&Lang::En, &Lang::Zh).code()
    }

    pub fn dt(&self, utc: &NaiveDateTime) -> String {
        self.lang.datetime(*utc)
    }

    pub fn date(&self, utc: &NaiveDateTime) -> String {
        self.lang.date(*utc)
    }

    /// A deadline instant: midnight shows as 24:00 of the day before.
    pub fn deadline(&self, utc: &NaiveDateTime) -> String {
        self.lang.deadline(*utc)
    }

    /// For `<time datetime>` (see templates/macros/time.html).
    pub fn iso(&self, utc: &NaiveDateTime) -> String {
        crate::i18n::iso_datetime(*utc)
    }

    pub fn iso_date(&self, utc: &NaiveDateTime) -> String {
        crate::i18n::iso_date(*utc)
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.user.role)
    }

    /// Filers file their organization's reports.
    pub fn can_file(&self) -> bool {
        self.role() == Some(Role::Filer)
    }

    /// Reviewers (and admins) review reports.
    pub fn can_review(&self) -> bool {
        matches!(self.role(), Some(Role::Reviewer | Role::Admin))
    }

    /// Editors (an association's secretariat) run standards, pledges and periods.
    pub fn is_editor(&self) -> bool {
        self.role() == Some(Role::Editor)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The pages of the signed-in user's work, for the second row of the
    /// navigation: (path, catalog key). The public pages are in the first row.
    pub fn work_links(&self) -> &'static [(&'static str, &'static str)] {
        match self.role() {
            Some(Role::Filer) => &[("/todo", "nav.todo"), ("/reporting", "nav.reporting")],
            Some(Role::Editor) => &[
                ("/todo", "nav.todo"),
                ("/standards/new", "nav.standard_new"),
                ("/pledges/new", "nav.pledge_new"),
                ("/periods", "nav.periods"),
            ],
            Some(Role::Reviewer) => &[
                ("/todo", "nav.todo"),
                ("/review", "nav.review"),
                ("/standards?status=proposed", "nav.standards_proposed"),
                ("/standards?status=technical_review", "nav.standards_in_review"),
                ("/standards?status=submitted_for_approval", "nav.standards_for_approval"),
            ],
            Some(Role::Admin) => &[
                ("/todo", "nav.todo"),
                ("/review", "nav.review"),
                ("/admin/users", "nav.users"),
                ("/admin/orgs", "nav.admin_orgs"),
                ("/admin/audit", "nav.audit"),
                ("/admin/security", "nav.security"),
                ("/admin/outbox", "nav.outbox"),
            ],
            None => &[],
        }
    }

    /// `aria-current="page"` belongs on the navigation link to this very page.
    pub fn is_current(&self, href: &str) -> bool {
        let path = self.path.split('#').next().unwrap_or("");
        if href.contains('?') {
            path == href
        } else {
            path.split('?').next() == Some(href)
        }
    }

    /// The user's organization name in the page's language.
    pub fn org_name(&self) -> &str {
        match &self.user {
            Some(u) if self.lang == Lang::En => &u.org_name_en,
            Some(u) => &u.org_name_zh,
            None => "",
        }
    }

    /// Link that switches to the other language and comes back to this page.
    pub fn switch_lang_href(&self) -> String {
        let other = self.other_lang_code();
        format!("/lang/{other}?next={}", crate::domain::text::urlencode(&self.path))
    }

    pub fn switch_lang_label(&self) -> &'static str {
        if self.lang == Lang::Zh {
            "English"
        } else {
            "中文"
        }
    }

    /// The Atom feeds this page announces: (path, title).
    pub fn feeds(&self) -> Vec<(&'static str, &str)> {
        super::feeds::feeds_for(&self.path).iter().map(|(href, key)| (*href, self.lang.t(key))).collect()
    }

    pub fn css_url(&self) -> &'static str {
        super::assets::url("site.css")
    }

    pub fn asset(&self, name: &str) -> &'static str {
        super::assets::url(name)
    }

    /// Localized name of something stored by code (role, kind, …): `prefix.code`.
    pub fn label(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}.{code}");
        let text = self.lang.t(&key);
        if text == key {
            code.to_owned()
        } else {
            text.to_owned()
        }
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Ok(current(req)))
    }
}

/// The context of a request (a minimal one if the middleware did not run).
pub fn current(req: &HttpRequest) -> Ctx {
    if let Some(c) = req.extensions().get::<Ctx>() {
        return c.clone();
    }
    Ctx(Rc::new(RequestCtx {
        lang: super::middleware::lang_of(req.headers(), req.cookie(super::LANG_COOKIE).as_ref().map(|c| c.value())),
        user: None,
        csrf_token: String::new(),
        flash: None,
        flash_alert: false,
        request_id: req.extensions().get::<super::middleware::RequestId>().map(|r| r.0.clone()).unwrap_or_default(),
        path: req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
        client_ip: String::new(),
        user_agent: String::new(),
        demo_accounts: &[],
        todo_count: 0,
    }))
}
