//! Integration tests: the whole app over HTTP against a real PostgreSQL.

mod api;
mod api_clients;
mod audit;
mod auth;
mod cli;
mod crypto;
mod db;
mod documents;
mod ehr;
mod fakes;
mod helpers;
mod jobs;
mod mfa;
mod mfa_email;
mod notify;
mod patients;
mod plans;
mod rbac;
mod record_integration;
mod registry;
mod registry_rights;
mod sec_input;
mod sessions;
mod web;
