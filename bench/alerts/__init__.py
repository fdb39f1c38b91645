"""Alerts bench: ingest rate vs Alertmanager, alert -> page latency, escalation timer lateness.

Run: .venv/bin/python -m bench.alerts (see __main__.py and bench/README.md).
"""
