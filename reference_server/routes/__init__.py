"""HTTP routes: auth (login/refresh/logout), resources, and the test-only hooks."""
