"""Inbound adapters: each turns a monitoring payload into normalised alert events, or says exactly
which fields are wrong."""
