"""Configuration as code: schema, loading with path-named errors, diff and atomic apply."""
