"""Chat interfaces: Slack-compatible slash commands."""
