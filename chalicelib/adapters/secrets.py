"""Channels' secrets (a marketplace's webhook signing secret or API credentials) in AWS Secrets Manager.

One secret per channel, named `oms-<stage>/channels/<channelId>` (chalicelib.resources); the
functions' role may touch those names and no other secret (infra/stack.py). A value is never
logged, returned by the API or stored anywhere else: errors name the channel and AWS's error code,
never the value, and are raised `from None` so no botocore message or request travels with them.

Reads are cached in this process for OMS_SECRET_CACHE_SECONDS (default 30), like
chalicelib.service.cache: a warm Lambda verifying webhooks calls Secrets Manager about twice a
minute per channel, and another Lambda's rotation is seen within that time (this process's own at once).

Removal: non-prod stages delete at once (ForceDeleteWithoutRecovery), so a test or dev channel can
get a new secret straight away. `prod` schedules the deletion with the shortest recovery window
(7 days) so a mistaken `"secret": null` can be undone by an operator (`aws secretsmanager
restore-secret`); until then a new secret for that channel is refused with 409, not silently
restored: the functions' role deliberately has no RestoreSecret.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.adapters import aws
from chalicelib.domain.errors import Conflict, DomainError, Invalid, Unavailable
from chalicelib.expiring import Expiring
from chalicelib.observability import logger
from chalicelib.resources import stage

PROD_RECOVERY_DAYS = 7  # the shortest window Secrets Manager allows
# Secrets Manager names allow letters, digits and /_+=.@- ; a channel id adds no "/" of its own.
_NAME_SAFE = re.compile(r"^[A-Za-z0-9_+=.@-]{1,128}$")
_cache: Expiring[str | None] = Expiring("OMS_SECRET_CACHE_SECONDS", 30)


def secret_name(channel_id: str) -> str:
    if not _NAME_SAFE.fullmatch(channel_id):
        raise Invalid(
            f"channel id {channel_id!r} cannot name a secret: use letters, digits and _+=.@- only",
            errors=[{"loc": ["path", "channelId"], "msg": "not usable in a secret name"}],
        )
    return f"{aws.secrets_prefix()}/{channel_id}"


def put_channel_secret(channel_id: str, value: str) -> None:
    """Store `value` as the channel's secret: a new version of it, or a new secret."""
    from botocore.exceptions import BotoCoreError, ClientError

    name = secret_name(channel_id)
    client = aws.client("secretsmanager")
    try:
        try:
            # Rotation (the common case) is one call; a first secret costs a failed put and a create.
            client.put_secret_value(SecretId=name, SecretString=value)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            try:
                client.create_secret(
                    Name=name,
                    SecretString=value,
                    Description=f"OMS {stage()}: credentials of sales channel {channel_id}",
                    Tags=[{"Key": "app", "Value": "oms"}, {"Key": "stage", "Value": stage()}],
                )
            except ClientError as create_exc:
                if _code(create_exc) != "ResourceExistsException":
                    raise
                # Another request created it meanwhile: ours becomes its newer version.
                client.put_secret_value(SecretId=name, SecretString=value)
    except (BotoCoreError, ClientError) as exc:
        raise _domain_error(exc, channel_id, "store") from None
    finally:
        _cache.forget(channel_id)
    logger.info("channel secret stored", extra={"channelId": channel_id, "secretName": name})


def delete_channel_secret(channel_id: str) -> bool:
    """Remove the channel's secret (see the module notes for prod); False when there was none."""
    from botocore.exceptions import BotoCoreError, ClientError

    name = secret_name(channel_id)
    options: dict[str, Any] = (
        {"RecoveryWindowInDays": PROD_RECOVERY_DAYS} if stage() == "prod" else {"ForceDeleteWithoutRecovery": True}
    )
    try:
        aws.client("secretsmanager").delete_secret(SecretId=name, **options)
    except (BotoCoreError, ClientError) as exc:
        if _code(exc) == "ResourceNotFoundException" or _pending_deletion(exc):
            return False
        raise _domain_error(exc, channel_id, "delete") from None
    finally:
        _cache.forget(channel_id)
    logger.info("channel secret deleted", extra={"channelId": channel_id, "secretName": name, **options})
    return True


def channel_secret(channel_id: str) -> str | None:
    """The channel's current secret, None when it has none (cached: see the module notes)."""
    return _cache.get(channel_id, lambda: _read(channel_id))


def _read(channel_id: str) -> str | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value: str | None = (
            aws.client("secretsmanager").get_secret_value(SecretId=secret_name(channel_id)).get("SecretString")
        )
    except (BotoCoreError, ClientError) as exc:
        if _code(exc) != "ResourceNotFoundException" and not _pending_deletion(exc):
            raise _domain_error(exc, channel_id, "read") from None
        return None
    return value


def forget(channel_id: str | None = None) -> None:
    """Drop cached values (one channel's, or every one)."""
    _cache.forget(channel_id)


def _code(exc: Exception) -> str | None:
    """AWS's error code of a botocore ClientError; None for anything else (a connection failure...)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code else None


def _pending_deletion(exc: Exception) -> bool:
    return _code(exc) == "InvalidRequestException" and "delet" in str(exc).lower()


def _domain_error(exc: Exception, channel_id: str, doing: str) -> DomainError:
    """What the caller should hear; the log gets AWS's error code and the exception type, never the value."""
    code = _code(exc)
    logger.warning(
        "channel secret call failed",
        extra={"channelId": channel_id, "doing": doing, "awsErrorCode": code, "exception": type(exc).__name__},
    )
    if _pending_deletion(exc):
        return Conflict(
            f"the secret of channel {channel_id} is scheduled for deletion; an operator can restore it "
            f"(aws secretsmanager restore-secret --secret-id {secret_name(channel_id)}) before it is set again",
        )
    if code in ("ValidationException", "InvalidParameterException"):
        return Invalid(f"Secrets Manager refused the secret of channel {channel_id} ({code})")
    return Unavailable(f"could not {doing} the secret of channel {channel_id} ({code or type(exc).__name__}); retry")
