"""The server-rendered web UI (Jinja2 + htmx, assets vendored in static/) and the public status page."""
