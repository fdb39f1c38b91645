"""Persistence: tables, repositories, unit of work and migrations (SQLite and PostgreSQL)."""
