//! Scale-out, proven with real processes of the built binary: several workers and servers
//! on one PostgreSQL database (skipped with a reason without `JIXIAO_TEST_DATABASE_URL`),
//! start-up against a newer schema, draining on SIGTERM, and PgBouncer in transaction mode.

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod pgbouncer;
mod queue;
mod servers;
