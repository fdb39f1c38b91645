"""Opsgenie adapter: REST API v2 reader and pure mapping rules into onwatch's config."""
