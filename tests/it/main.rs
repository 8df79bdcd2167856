//! Integration tests: the whole app over HTTP against a real PostgreSQL.

mod api;
mod audit;
mod auth;
mod cli;
mod crypto;
mod db;
mod ehr;
mod helpers;
mod patients;
mod rbac;
mod web;
