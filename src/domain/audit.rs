//! What the audit log records: which kind of object changed and what was done
//! to it. Both are closed lists with stable codes (what the database keeps;
//! never renamed) and translated names (catalog keys `audit.type.{code}` and
//! `audit.action.{code}`), so the log reads as words in the reader's language.

use super::pledge::{PledgeAction, SignatureAction};
use super::report::ReportAction;
use super::standard::StandardAction;

/// The kind of object a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Object {
    Standard,
    StandardVersion,
    Comment,
    Pledge,
    Signature,
    ReportingPeriod,
    Report,
    Organization,
    User,
    Session,
    /// Generated benchmark data (`selfreg dev gen-data`).
    Dataset,
    /// A message in the outbox.
    Message,
    /// An API token of a user.
    ApiToken,
}

impl Object {
    pub const ALL: [Object; 13] = [
        Object::Standard,
        Object::StandardVersion,
        Object::Comment,
        Object::Pledge,
        Object::Signature,
        Object::ReportingPeriod,
        Object::Report,
        Object::Organization,
        Object::User,
        Object::Session,
        Object::Dataset,
        Object::Message,
        Object::ApiToken,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Object::Standard => "standard",
            Object::StandardVersion => "standard_version",
            Object::Comment => "comment",
            Object::Pledge => "pledge",
            Object::Signature => "signature",
            Object::ReportingPeriod => "reporting_period",
            Object::Report => "report",
            Object::Organization => "organization",
            Object::User => "user",
            Object::Session => "session",
            Object::Dataset => "dataset",
            Object::Message => "message",
            Object::ApiToken => "api_token",
        }
    }

    pub fn parse(code: &str) -> Option<Object> {
        Object::ALL.into_iter().find(|o| o.code() == code)
    }
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // Any record.
    Create,
    Update,
    Delete,
    // Standards.
    Approve,
    Reject,
    StartDrafting,
    OpenComment,
    CloseComment,
    SubmitForReview,
    ReturnToDrafting,
    CloseReview,
    Publish,
    ConfirmReview,
    StartRevision,
    Withdraw,
    Supersede,
    SetPublication,
    ReviewPosition,
    Dispose,
    // Pledges and signatures.
    Open,
    Close,
    ReopenDraft,
    DemoSignatures,
    Apply,
    Verify,
    Decline,
    Suspend,
    Reinstate,
    // Reports.
    Save,
    AddEvidence,
    RemoveEvidence,
    Submit,
    Accept,
    Return,
    // Accounts.
    Login,
    Logout,
    Disable,
    ResetPassword,
    // Tools.
    DevGenData,
    // Mail.
    SendTest,
    Retry,
    ChangePassword,
    // Forgotten passwords and invitations.
    ResetByMail,
    Invite,
    AcceptInvitation,
    // Own account (/account).
    UpdateAccount,
    ChangeEmail,
    EndSession,
    EndOtherSessions,
    // API tokens.
    Revoke,
}

impl Action {
    pub const ALL: [Action; 50] = [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Approve,
        Action::Reject,
        Action::StartDrafting,
        Action::OpenComment,
        Action::CloseComment,
        Action::SubmitForReview,
        Action::ReturnToDrafting,
        Action::CloseReview,
        Action::Publish,
        Action::ConfirmReview,
        Action::StartRevision,
        Action::Withdraw,
        Action::Supersede,
        Action::SetPublication,
        Action::ReviewPosition,
        Action::Dispose,
        Action::Open,
        Action::Close,
        Action::ReopenDraft,
        Action::DemoSignatures,
        Action::Apply,
        Action::Verify,
        Action::Decline,
        Action::Suspend,
        Action::Reinstate,
        Action::Save,
        Action::AddEvidence,
        Action::RemoveEvidence,
        Action::Submit,
        Action::Accept,
        Action::Return,
        Action::Login,
        Action::Logout,
        Action::Disable,
        Action::ResetPassword,
        Action::DevGenData,
        Action::SendTest,
        Action::Retry,
        Action::ChangePassword,
        Action::ResetByMail,
        Action::Invite,
        Action::AcceptInvitation,
        Action::UpdateAccount,
        Action::ChangeEmail,
        Action::EndSession,
        Action::EndOtherSessions,
        Action::Revoke,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::StartDrafting => "start_drafting",
            Action::OpenComment => "open_comment",
            Action::CloseComment => "close_comment",
            Action::SubmitForReview => "submit_for_review",
            Action::ReturnToDrafting => "return_to_drafting",
            Action::CloseReview => "close_review",
            Action::Publish => "publish",
            Action::ConfirmReview => "confirm_review",
            Action::StartRevision => "start_revision",
            Action::Withdraw => "withdraw",
            Action::Supersede => "supersede",
            Action::SetPublication => "set_publication",
            Action::ReviewPosition => "review_position",
            Action::Dispose => "dispose",
            Action::Open => "open",
            Action::Close => "close",
            Action::ReopenDraft => "reopen_draft",
            Action::DemoSignatures => "demo_signatures",
            Action::Apply => "apply",
            Action::Verify => "verify",
            Action::Decline => "decline",
            Action::Suspend => "suspend",
            Action::Reinstate => "reinstate",
            Action::Save => "save",
            Action::AddEvidence => "add_evidence",
            Action::RemoveEvidence => "remove_evidence",
            Action::Submit => "submit",
            Action::Accept => "accept",
            Action::Return => "return",
            Action::Login => "login",
            Action::Logout => "logout",
            Action::Disable => "disable",
            Action::ResetPassword => "reset_password",
            Action::DevGenData => "dev_gen_data",
            Action::SendTest => "send_test",
            Action::Retry => "retry",
            Action::ChangePassword => "change_password",
            Action::ResetByMail => "reset_by_mail",
            Action::Invite => "invite",
            Action::AcceptInvitation => "accept_invitation",
            Action::UpdateAccount => "update_account",
            Action::ChangeEmail => "change_email",
            Action::EndSession => "end_session",
            Action::EndOtherSessions => "end_other_sessions",
            Action::Revoke => "revoke",
        }
    }

    pub fn parse(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

impl From<StandardAction> for Action {
    fn from(a: StandardAction) -> Action {
        match a {
            StandardAction::Approve => Action::Approve,
            StandardAction::Reject => Action::Reject,
            StandardAction::StartDrafting => Action::StartDrafting,
            StandardAction::OpenComment => Action::OpenComment,
            StandardAction::CloseComment => Action::CloseComment,
            StandardAction::SubmitForReview => Action::SubmitForReview,
            StandardAction::ReturnToDrafting => Action::ReturnToDrafting,
            StandardAction::CloseReview => Action::CloseReview,
            StandardAction::Publish => Action::Publish,
            StandardAction::ConfirmReview => Action::ConfirmReview,
            StandardAction::StartRevision => Action::StartRevision,
            StandardAction::Withdraw => Action::Withdraw,
            StandardAction::Supersede => Action::Supersede,
        }
    }
}

impl From<PledgeAction> for Action {
    fn from(a: PledgeAction) -> Action {
        match a {
            PledgeAction::Create => Action::Create,
            PledgeAction::Edit => Action::Update,
            PledgeAction::Open => Action::Open,
            PledgeAction::Close => Action::Close,
        }
    }
}

impl From<SignatureAction> for Action {
    fn from(a: SignatureAction) -> Action {
        match a {
            SignatureAction::Apply => Action::Apply,
            SignatureAction::Verify => Action::Verify,
            SignatureAction::Decline => Action::Decline,
            SignatureAction::Withdraw => Action::Withdraw,
            SignatureAction::Suspend => Action::Suspend,
            SignatureAction::Reinstate => Action::Reinstate,
        }
    }
}

impl From<ReportAction> for Action {
    fn from(a: ReportAction) -> Action {
        match a {
            ReportAction::Save => Action::Save,
            ReportAction::Submit => Action::Submit,
            ReportAction::Accept => Action::Accept,
            ReportAction::Return => Action::Return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_read_back() {
        for o in Object::ALL {
            assert_eq!(Object::parse(o.code()), Some(o));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.code()), Some(a));
        }
        assert_eq!(Object::parse("nonsense"), None);
        assert_eq!(Action::parse("nonsense"), None);
    }

    #[test]
    fn domain_actions_keep_their_codes() {
        for a in StandardAction::ALL {
            assert_eq!(Action::from(a).code(), a.as_str());
        }
        for a in SignatureAction::ALL {
            assert_eq!(Action::from(a).code(), a.as_str());
        }
        for a in [ReportAction::Save, ReportAction::Submit, ReportAction::Accept, ReportAction::Return] {
            assert_eq!(Action::from(a).code(), a.as_str());
        }
    }

    #[test]
    fn every_object_and_action_has_a_name_in_both_languages() {
        use crate::i18n::Lang;
        for lang in Lang::ALL {
            for o in Object::ALL {
                let key = format!("audit.type.{}", o.code());
                assert_ne!(lang.t(&key), key, "{lang:?}");
            }
            for a in Action::ALL {
                let key = format!("audit.action.{}", a.code());
                assert_ne!(lang.t(&key), key, "{lang:?}");
            }
        }
    }
}
