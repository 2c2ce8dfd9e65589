//! The one shape of every form handler: extract (typed ids, the current
//! user, the parsed form) → one call [`AppState::act`] → [`respond`]: on
//! success a 303 with a flash; on a refusal the same page again with the
//! problems and the input kept (422), or with the news that someone changed
//! the record meanwhile (409); a refusal that says "not yours" or "not there"
//! is the 403/404 page; anything else is the error page.
//!
//! Each area's refusals implement [`UserError`]: which kind of answer they
//! need, and where on the form their messages go.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Deserializer};

use super::forms::Form;
use super::AppState;
use crate::db::{self, DbConn, Fail};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// How a refusal is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The input can be corrected: the form again, 422, with the problems.
    Invalid,
    /// The record changed meanwhile or has moved on: the form again, 409,
    /// with what happened; nothing was changed.
    Stale,
    /// Not visible to this user: the 404 page.
    NotFound,
    /// Visible, but not this user's to do: the 403 page.
    Forbidden,
}

/// A refusal the user can understand and act on.
pub trait UserError {
    fn kind(&self) -> RefusalKind;

    /// Put the messages on the form in the user's language: beside the field
    /// they are about (`Form::error*`, which also lists them at the top) or
    /// about the whole form (`form.message`).
    fn place(&self, lang: Lang, form: &mut Form);
}

/// What one workflow step came to (instead of a nested `Result`).
#[derive(Debug)]
pub enum Outcome<T, R> {
    Done(T),
    Refused(R),
}

impl AppState {
    /// One workflow step in one write transaction on the blocking pool: a
    /// refusal rolls back everything `f` wrote; a database failure is the
    /// error page (503 when the database is unavailable).
    pub async fn act<T, R, F>(&self, f: F) -> AppResult<Outcome<T, R>>
    where
        F: FnOnce(&mut DbConn) -> Result<T, Fail<R>> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        let pool = self.pool.clone();
        let counter = db::querycount::capture();
        let out = web::block(move || {
            db::querycount::attribute(counter, || {
                let mut conn = db::get(&pool).map_err(Fail::Db)?;
                db::write(&mut conn, f)
            })
        })
        .await?;
        // Whatever was written may show on kept pages: read the data stamp again.
        self.stamp.forget();
        match out {
            Ok(v) => Ok(Outcome::Done(v)),
            Err(Fail::Refused(r)) => Ok(Outcome::Refused(r)),
            Err(Fail::Db(e)) => Err(e.into()),
        }
    }
}

/// Answer a form post from its outcome: `done` on success (a redirect with a
/// flash), `again` to show the form once more with the given status.
pub async fn respond<T, R, Fut>(
    lang: Lang,
    outcome: Outcome<T, R>,
    mut form: Form,
    done: impl FnOnce(T) -> HttpResponse,
    again: impl FnOnce(Form, StatusCode) -> Fut,
) -> AppResult<HttpResponse>
where
    R: UserError,
    Fut: Future<Output = AppResult<HttpResponse>>,
{
    match outcome {
        Outcome::Done(v) => Ok(done(v)),
        Outcome::Refused(r) => match r.kind() {
            RefusalKind::Invalid => {
                r.place(lang, &mut form);
                again(form, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            RefusalKind::Stale => {
                r.place(lang, &mut form);
                again(form, StatusCode::CONFLICT).await
            }
            RefusalKind::NotFound => Err(AppError::NotFound),
            RefusalKind::Forbidden => Err(AppError::Forbidden),
        },
    }
}

/// A record's id from the URL (`web::Path<Id>`, `web::Path<(Id, Id)>`): a
/// positive integer, anything else answers 404 like a record that does not
/// exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Id(pub i64);

impl Id {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        match s.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Id(n)),
            _ => Err(serde::de::Error::custom("not a record id")),
        }
    }
}

/// Path segments that do not parse (an id that is not a number) answer 404
/// through the error page, like a record that does not exist.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_integers() {
        let id: Id = serde_json::from_str("\"12\"").unwrap();
        assert_eq!(id, Id(12));
        for bad in ["\"0\"", "\"-3\"", "\"12abc\"", "\"\"", "\"99999999999999999999\""] {
            assert!(serde_json::from_str::<Id>(bad).is_err(), "{bad}");
        }
    }
}
