"""PagerDuty adapter: REST API v2 client and pure mapping rules into onwatch's config."""
