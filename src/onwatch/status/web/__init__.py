"""The public status page: HTML, feeds and Statuspage-shaped JSON, all from one read model."""
