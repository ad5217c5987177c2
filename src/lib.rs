//! RuralServe: scholarships that buy rural service. The binary in `main.rs` is a thin shell over this library.

pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod schema;
pub mod service;
pub mod store;
pub mod web;
