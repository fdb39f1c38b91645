"""On-call health and alert noise (issue 19): feedback on pages and the follow-ups it opens
(reports/feedback), the shift handoff report (reports/handoff), and the reports' figures.

Reports read alerts, paging, incidents, oncall, reviews and slo; nothing but the shells (api, web,
cli, chat) and bootstrap imports reports."""
