"""Powertools Logger, Metrics and Tracer, shared by every handler; and PII masking for logs."""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="oms")
metrics = Metrics(namespace="OMS", service="oms")

# What may identify a customer; never logged in clear.
PII_FIELDS = [
    "$..email",
    "$..phone",
    "$..name",
    "$..address",
    "$..customer.name",
]


@functools.cache
def _tracing() -> Callable[..., Any] | None:
    """Powertools Tracer as Chalice middleware, built on first use: the X-Ray SDK alone costs
    ~200 ms of imports, paid only where tracing is on (Lambda), never at import or locally."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true"):
        return None
    from aws_lambda_powertools import Tracer
    from chalice.app import ConvertToMiddleware

    return ConvertToMiddleware(Tracer(service="oms").capture_lambda_handler)


def tracing_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    traced = _tracing()
    return get_response(event) if traced is None else traced(event, get_response)


@functools.cache
def _masker() -> Any:
    from aws_lambda_powertools.utilities.data_masking import DataMasking

    return DataMasking(raise_on_missing_field=False)


def masked(data: Any) -> Any:
    """A copy of `data` with customer contact details erased, fit for a log line."""
    if not isinstance(data, dict | list):
        return data
    with warnings.catch_warnings():  # a field absent from this payload is no news
        warnings.simplefilter("ignore")
        return _masker().erase(data, fields=PII_FIELDS)


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """One metric point with its own dimensions (EMF, namespace OMS)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace="OMS") as metric:
        for key, val in dimensions.items():
            metric.add_dimension(name=key, value=val)
