//! Integration tests: the whole app over HTTP against a real PostgreSQL.

mod api;
mod audit;
mod auth;
mod cli;
mod crypto;
mod db;
mod helpers;
mod patients;
mod rbac;
mod registry;
mod registry_rights;
mod web;
