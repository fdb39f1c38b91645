"""Delivery channels behind one small interface: webhook, Slack-format webhook, email (SMTP)."""
