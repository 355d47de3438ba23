//! Integration tests of the FlexDesk core: one binary, a module per area, each test on its own
//! SQLite file with a fixed clock.

mod support;

mod addresses;
mod api_v1;
mod assets;
mod backup;
mod backup_settings;
mod billing;
mod business_day;
mod calendar;
mod catalog;
mod changes;
mod cli;
mod commands;
mod corrections;
mod corrections_assets;
mod corrections_money;
mod corrections_void;
mod customers;
mod dunning;
mod einvoice;
mod foundation;
mod hardening;
mod invoices;
mod keys;
mod lifecycle;
mod orders;
mod payments;
mod pdf;
mod reports;
mod runs;
mod signin;
mod standin;
mod structure;
mod subscriptions;
mod sync;
mod sync_flexportal;
mod sync_flexportal_corrections;
mod sync_flexportal_faults;
mod sync_flexportal_pull;
mod sync_ids;
mod sync_limits;
mod sync_snapshot;
mod tls;
mod webhooks;
