"""The OMS's version, as /health and the OpenAPI document give it."""

VERSION = "0.1.0"
