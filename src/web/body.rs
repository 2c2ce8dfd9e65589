//! The edge of every request: query strings and form bodies are read and
//! checked once, before any handler sees them — one size limit per path
//! whatever carries the form token, a deadline for the body to arrive, and no
//! control characters (other than tab, CR and LF) in any parameter.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// It did not arrive within the deadline (a trickle or a stall).
    Timeout,
    /// The connection broke while sending it.
    Broken,
}

/// A control character other than tab, CR and LF (NUL, ESC, DEL, C1 controls…).
pub fn is_forbidden_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\r' | '\n')
}

pub fn has_forbidden_chars(s: &str) -> bool {
    s.chars().any(is_forbidden_char)
}

/// Whether any decoded name or value of a query string or urlencoded body
/// holds a forbidden character (undecodable input is judged by the handlers).
pub fn pairs_have_forbidden_chars(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, v)| has_forbidden_chars(k) || has_forbidden_chars(v))
}

pub fn query_has_forbidden_chars(query: &str) -> bool {
    if query.is_empty() {
        return false;
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).is_ok_and(|p| pairs_have_forbidden_chars(&p))
}

/// Read a whole body: at most `limit` bytes, all of it within `deadline`.
pub async fn read(payload: &mut Payload, limit: usize, deadline: Duration) -> Result<Bytes, BodyError> {
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyError::Broken)?;
            if body.len() + chunk.len() > limit {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(deadline, read).await.unwrap_or(Err(BodyError::Timeout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_other_than_tab_cr_lf_are_forbidden() {
        assert!(query_has_forbidden_chars("q=%00"));
        assert!(query_has_forbidden_chars("q=a%00b"));
        assert!(query_has_forbidden_chars("a%1Bb=1"), "in a name too");
        assert!(query_has_forbidden_chars("q=%7F"));
        assert!(query_has_forbidden_chars("q=%C2%85"), "C1 control");
        assert!(!query_has_forbidden_chars("q=a%09b%0D%0Ac"));
        assert!(!query_has_forbidden_chars("q=%E7%9B%B4%E6%92%AD&page=2"));
        assert!(!query_has_forbidden_chars(""));
        assert!(!query_has_forbidden_chars("q=%FF"), "invalid UTF-8 is the handler's to judge");
    }
}
