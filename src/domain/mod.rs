//! Pure types and rules of the registry: no I/O, exhaustively unit-tested.

pub mod audit;
pub mod clauses;
pub mod credit_code;
pub mod email;
pub mod org;
pub mod password;
pub mod period;
pub mod pledge;
pub mod reminder;
pub mod report;
pub mod role;
pub mod standard;
pub mod standing;
pub mod text;
pub mod token;
pub mod useragent;
pub mod watch;

pub use credit_code::CreditCode;
pub use email::Email;
pub use org::OrgKind;
pub use password::Password;
pub use role::Role;
