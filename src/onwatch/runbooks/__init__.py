"""Runbooks served by onwatch: a git repository or folder of Markdown mirrored into onwatch's own
database by a durable engine timer, served read-only (and safely rendered) at /runbooks, searchable,
so it stays readable when the platform hosting it is down."""
