//! One integration-test binary driving the real application over HTTP.
//! Against SQLite by default; against PostgreSQL when TEST_DATABASE_URL is set.

mod helpers;

mod account;
mod account_acct;
mod admin;
mod audit_chain;
mod auth;
mod badinput;
mod cli;
mod concurrency;
mod dashboard;
mod html;
mod machine;
mod mail;
mod mail_crash;
mod observe;
mod open_data;
mod ops;
mod outbox;
mod password;
mod pledge_forms;
mod pledge_lists;
mod pledge_races;
mod pledges;
mod reports;
mod security;
#[path = "../common/smtp_sink.rs"]
mod smtp_sink;
mod standards;
mod todo;
mod todo_acct;
mod upgrades;
mod watch;
