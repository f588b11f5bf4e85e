//! nudger: notices which of your asks a reply left open, and drafts the follow-up.
//!
//! The data flows one way, and the modules are named after its steps:
//! IMAP ([`imap`], [`sync`]) → parsed [`message`] → tracked [`thread`] → [`analysis`]
//! → [`schedule`] → [`nudge`] → [`delivery`]. [`store`] keeps what must survive a
//! restart; [`config`] is read once at start.

pub mod analysis;
pub mod config;
pub mod daemon;
pub mod delivery;
pub mod imap;
pub mod message;
pub mod nudge;
pub mod schedule;
pub mod store;
pub mod sync;
pub mod thread;
