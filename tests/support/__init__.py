"""Helpers the test suites share: a PostgreSQL server, a `dialin server` subprocess, API tokens."""
