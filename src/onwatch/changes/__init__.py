"""Change events (deploys, config changes, feature flags): received from PagerDuty Change Events
clients and onwatch's own API, shown as recent changes next to alert groups and incidents, offered in
the review as suspected triggers, searchable."""
