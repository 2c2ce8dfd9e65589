//! E-mail. A change that should tell someone writes a message to the outbox
//! in its own transaction (`db::outbox`); the sender of any instance delivers
//! it afterwards (`sender`), rendered in the recipient's language
//! (`render`) and sent to the SMTP server given at start-up (`config`).

pub mod config;
pub mod render;
pub mod sender;
