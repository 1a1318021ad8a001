"""The seed design's FastAPI backend as published (dual-token-refresh.md), gaps and all.

A test target, not a model: `main.py` keeps the design's endpoints, field names, framework calls,
PyJWT use and hard-coded key, and none of the checks it lacks. The conformance suite is proved
against it, and the bench uses it as its baseline. Do not fix it.
"""
