"""The engine: durable timers decide (escalate, heartbeats), the outbox sender delivers."""
