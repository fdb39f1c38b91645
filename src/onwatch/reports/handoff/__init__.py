"""The shift handoff report: at every EOC, IMOC and CMOC handoff, the outgoing and the incoming
person hear what the shift saw (pages, incidents, open groups, follow-ups, handoff notes)."""
