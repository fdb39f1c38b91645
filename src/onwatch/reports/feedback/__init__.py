"""Feedback on alert groups: a verdict per page (actionable, not actionable, incorrect, flappy) with
an optional comment, the group's comment thread, and the follow-up items that incorrect and flappy
alerts open against their alert rule (owner: the EOC on call then)."""
