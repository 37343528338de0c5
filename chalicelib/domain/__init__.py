"""The OMS domain: pure Python, no I/O. Adapters and services build on it."""
