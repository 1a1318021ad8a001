"""Locust load runs for dual-token auth: expiry storms, refresh latency, verdicts under load."""
