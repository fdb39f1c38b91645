"""Grafana OnCall adapter: public API v1 reader and pure mapping rules into onwatch's config."""
