//! selfreg — the standards and self-regulation registry for live-stream e-commerce.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod escape;
pub mod i18n;
#[cfg(test)]
mod layers;
pub mod mail;
pub mod startup;
pub mod web;
