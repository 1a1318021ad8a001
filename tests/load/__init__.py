"""Tests of load/: the figures' arithmetic, the command line, and one real bounded Locust run."""
