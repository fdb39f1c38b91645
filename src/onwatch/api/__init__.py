"""HTTP API (FastAPI): REST + OpenAPI, problem+json errors, bearer-token auth."""
