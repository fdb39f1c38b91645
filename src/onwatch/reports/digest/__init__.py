"""The weekly digest: the last 7 days' numbers of the reports (pages, sleep-hour pages, response
times per severity, the noisiest rules, on-call load, learning), sent by the engine to the people
and the chat channel of `reports.digest`."""
