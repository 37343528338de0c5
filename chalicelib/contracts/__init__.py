"""Pydantic models of what crosses the boundary: the HTTP API and the published events."""
