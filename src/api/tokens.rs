//! Who calls the API: `Authorization: Bearer srg_…` — a live token of an
//! active user, with the scope the operation needs. The rate limit is the
//! API's per client address, kept in the database (`gate`). A session
//! cookie never authorizes anything here (the middleware does not even read
//! it on `/api/` paths), so the API needs no CSRF token and a browser cannot
//! be tricked into an API write.

use actix_web::http::{header, StatusCode};
use actix_web::HttpRequest;

use super::problem::Problem;
use super::write::{of_status, titled};
use crate::db::api_tokens::{self, TokenUser};
use crate::db::audit::Actor;
use crate::domain::report::Who;
use crate::domain::token::Scope;
use crate::i18n::Lang;
use crate::web::AppState;

/// The caller of an API request.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub token: TokenUser,
    pub address: String,
    pub lang: Lang,
}

impl ApiUser {
    /// The audit log's actor: the token's user, through the token, from this address.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.token.user_id),
            org_id: Some(self.token.org_id),
            address: self.address.parse().ok(),
            token_id: Some(self.token.token_id),
        }
    }

    /// The caller as the report workflow sees them.
    pub fn who(&self) -> Who {
        Who { role: self.token.role, org_id: self.token.org_id }
    }
}

fn unauthorized(lang: Lang, why: &str) -> Problem {
    titled(lang, StatusCode::UNAUTHORIZED, "unauthorized")
        .detail(lang.t(why))
        .header("www-authenticate", "Bearer realm=\"selfreg\"".into())
}

/// The caller of this request, allowed to do what `scope` allows: 401 without
/// a live token, 403 without the scope.
pub async fn authenticate(state: &AppState, req: &HttpRequest, scope: Scope) -> Result<ApiUser, Problem> {
    let ctx = crate::web::ctx::current(req);
    let lang = ctx.lang;
    let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(secret) = given.and_then(crate::auth::token::bearer) else {
        return Err(unauthorized(lang, "api.error.no_token"));
    };
    let hash = crate::auth::sha256_hex(secret);
    let now = crate::db::now();
    let found = {
        let hash = hash.clone();
        state.db(move |c| Ok(api_tokens::lookup(c, &hash, now)?)).await
    }
    .map_err(|_| of_status(lang, StatusCode::SERVICE_UNAVAILABLE))?;
    let Some(token) = found else {
        return Err(unauthorized(lang, "api.error.bad_token"));
    };
    if !token.scopes.iter().any(|s| s.covers(scope)) {
        let challenge = format!("Bearer realm=\"selfreg\", error=\"insufficient_scope\", scope=\"{}\"", scope.code());
        return Err(titled(lang, StatusCode::FORBIDDEN, "insufficient-scope")
            .detail(lang.tf("api.error.scope", &[("scope", scope.code())]))
            .header("www-authenticate", challenge));
    }
    let address = ctx.client_ip.clone();
    note_use(state, &token, now, &address).await;
    Ok(ApiUser { token, address, lang })
}

/// Note when and from where the token was used: at most once a minute from
/// the same address (a failure to note it is logged, the request goes on).
async fn note_use(state: &AppState, t: &TokenUser, now: chrono::NaiveDateTime, address: &str) {
    let recent = t.last_used_at.is_some_and(|at| now - at < chrono::Duration::minutes(1));
    if recent && t.last_used_address.as_deref() == Some(address) {
        return;
    }
    let (id, address) = (t.token_id, address.to_owned());
    if let Err(e) = state.tx(move |c| Ok(api_tokens::touch(c, id, now, &address)?)).await {
        log::warn!("token {id}: last use not noted: {e}");
    }
}
