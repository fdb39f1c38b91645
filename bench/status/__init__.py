"""Status page throughput (wrk, 50 connections) vs the same bytes served as a static file."""
