"""Powertools Logger, Metrics and Tracer, shared by every handler; and PII masking for logs."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="oms")
metrics = Metrics(namespace="OMS", service="oms")
tracer = Tracer(service="oms")

# What may identify a customer; never logged in clear.
PII_FIELDS = [
    "$..email",
    "$..phone",
    "$..name",
    "$..address",
    "$..customer.name",
]


@functools.cache
def _masker() -> Any:
    from aws_lambda_powertools.utilities.data_masking import DataMasking

    return DataMasking(raise_on_missing_field=False)


def masked(data: Any) -> Any:
    """A copy of `data` with customer contact details erased, fit for a log line."""
    if not isinstance(data, dict | list):
        return data
    return _masker().erase(data, fields=PII_FIELDS)


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """One metric point with its own dimensions (EMF, namespace OMS)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace="OMS") as metric:
        for key, val in dimensions.items():
            metric.add_dimension(name=key, value=val)
