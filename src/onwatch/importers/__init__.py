"""Importers: read another on-call tool's API and write onwatch's config-as-code YAML."""
