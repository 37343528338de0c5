"""Secrets in AWS Secrets Manager: a sales channel's (its webhook signing secret, and apart from it its
API credentials) and a drop-ship partner's (the key its fulfilment orders are signed with).

Named `oms-<stage>/channels/<channelId>`, `oms-<stage>/channels/<channelId>/credentials` or
`oms-<stage>/partners/<locationId>` (chalicelib.resources); the functions' role may touch those names
and no other secret (infra/stack.py).
A value is never logged, returned by the API or stored anywhere else: errors name the owner and AWS's
error code, never the value, and are raised `from None` so no botocore message or request travels with them.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.adapters import aws
from chalicelib.domain.errors import Conflict, DomainError, Invalid, Unavailable
from chalicelib.expiring import Expiring
from chalicelib.observability import logger
from chalicelib.resources import stage

PROD_RECOVERY_DAYS = 7  # the shortest window Secrets Manager allows
# Secrets Manager names allow letters, digits and /_+=.@- ; an owner's id adds no "/" of its own.
_NAME_SAFE = re.compile(r"^[A-Za-z0-9_+=.@-]{1,128}$")
_cache: Expiring[str | None] = Expiring("OMS_SECRET_CACHE_SECONDS", 30)
_signing: Expiring[tuple[str, ...]] = Expiring("OMS_SECRET_CACHE_SECONDS", 30)
# How long the previous signing secret still verifies deliveries after a new one was stored.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class Owner:
    """Whose secrets: the words errors and logs use, and where its names live (`aws.secrets_prefix`)."""

    kind: str  # "channel" or "partner": the prefix's key, and the noun in messages
    id_field: str  # how the API names the owner's id (errors' `loc`, log fields)
    purpose: str  # the secret's Description in Secrets Manager
    suffix: str = ""  # a second secret of the same owner: `<prefix>/<id>/<suffix>`

    def name(self, owner_id: str) -> str:
        if not _NAME_SAFE.fullmatch(owner_id):
            raise Invalid(
                f"{self.kind} id {owner_id!r} cannot name a secret: use letters, digits and _+=.@- only",
                errors=[{"loc": ["path", self.id_field], "msg": "not usable in a secret name"}],
            )
        return f"{aws.secrets_prefix(self.kind)}/{owner_id}" + (f"/{self.suffix}" if self.suffix else "")


CHANNEL = Owner("channel", "channelId", "credentials of sales channel")
PARTNER = Owner("partner", "locationId", "signing secret of the drop-ship partner at location")
# A platform's API credentials (JSON: Shopify's access token, WooCommerce's consumer key and secret),
# apart from the webhook signing secret: each is set, rotated and removed on its own.
CREDENTIALS = Owner("channel", "channelId", "API credentials of sales channel", suffix="credentials")


def secret_name(channel_id: str) -> str:
    return CHANNEL.name(channel_id)


def put_channel_secret(channel_id: str, value: str) -> None:
    put_secret(CHANNEL, channel_id, value)


def delete_channel_secret(channel_id: str) -> bool:
    return delete_secret(CHANNEL, channel_id)


def channel_secret(channel_id: str) -> str | None:
    return secret(CHANNEL, channel_id)


def put_secret(owner: Owner, owner_id: str, value: str) -> None:
    """Store `value` as the owner's secret: a new version of it, or a new secret."""
    from botocore.exceptions import BotoCoreError, ClientError

    name = owner.name(owner_id)
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
                    Description=f"OMS {stage()}: {owner.purpose} {owner_id}",
                    Tags=[{"Key": "app", "Value": "oms"}, {"Key": "stage", "Value": stage()}],
                )
            except ClientError as create_exc:
                if _code(create_exc) != "ResourceExistsException":
                    raise
                # Another request created it meanwhile: ours becomes its newer version.
                client.put_secret_value(SecretId=name, SecretString=value)
    except (BotoCoreError, ClientError) as exc:
        raise _domain_error(exc, owner, owner_id, "store") from None
    finally:
        _cache.forget(name)
        _signing.forget(name)
    logger.info(f"{owner.kind} secret stored", extra={owner.id_field: owner_id, "secretName": name})


def delete_secret(owner: Owner, owner_id: str) -> bool:
    """Remove the owner's secret (see the module notes for prod); False when there was none."""
    from botocore.exceptions import BotoCoreError, ClientError

    name = owner.name(owner_id)
    options: dict[str, Any] = (
        {"RecoveryWindowInDays": PROD_RECOVERY_DAYS} if stage() == "prod" else {"ForceDeleteWithoutRecovery": True}
    )
    try:
        aws.client("secretsmanager").delete_secret(SecretId=name, **options)
    except (BotoCoreError, ClientError) as exc:
        if _code(exc) == "ResourceNotFoundException" or _pending_deletion(exc):
            return False
        raise _domain_error(exc, owner, owner_id, "delete") from None
    finally:
        _cache.forget(name)
        _signing.forget(name)
    logger.info(f"{owner.kind} secret deleted", extra={owner.id_field: owner_id, "secretName": name, **options})
    return True


def secret(owner: Owner, owner_id: str) -> str | None:
    """The owner's current secret, None when it has none (cached: see the module notes)."""
    name = owner.name(owner_id)
    return _cache.get(name, lambda: _value(_read(owner, owner_id, name)))


def channel_signing_secrets(channel_id: str) -> tuple[str, ...]:
    """The channel's current signing secret and, for ROTATION_OVERLAP after it was replaced, the one
    before it: a platform signs with the old secret until it switches (Shopify: up to an hour), and
    an admin may set the new one here first. Putting the same new value twice ends the overlap at
    once (the previous version is then the new one too): what to do with a leaked secret."""
    name = CHANNEL.name(channel_id)

    def load() -> tuple[str, ...]:
        current = _read(CHANNEL, channel_id, name)
        value = _value(current)
        if current is None or value is None:
            return ()
        since = current[1]
        previous = _value(_read(CHANNEL, channel_id, name, "AWSPREVIOUS"))
        if previous is None or previous == value or clock.moment() - since > ROTATION_OVERLAP:
            return (value,)
        return (value, previous)

    return _signing.get(name, load)


def _read(owner: Owner, owner_id: str, name: str, version: str = "AWSCURRENT") -> tuple[str | None, datetime] | None:
    """The value of one version of the secret and when it was made; None when there is none."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = aws.client("secretsmanager").get_secret_value(SecretId=name, VersionStage=version)
    except (BotoCoreError, ClientError) as exc:
        if _code(exc) != "ResourceNotFoundException" and not _pending_deletion(exc):
            raise _domain_error(exc, owner, owner_id, "read") from None
        return None
    created: datetime = answer.get("CreatedDate") or clock.moment()
    value: str | None = answer.get("SecretString")
    return value, created


def _value(version: tuple[str | None, datetime] | None) -> str | None:
    return version[0] if version else None


def forget() -> None:
    """Drop every cached value (tests switch accounts)."""
    _cache.forget()
    _signing.forget()


def _code(exc: Exception) -> str | None:
    """AWS's error code of a botocore ClientError; None for anything else (a connection failure...)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code else None


def _pending_deletion(exc: Exception) -> bool:
    return _code(exc) == "InvalidRequestException" and "delet" in str(exc).lower()


def _domain_error(exc: Exception, owner: Owner, owner_id: str, doing: str) -> DomainError:
    """What the caller should hear; the log gets AWS's error code and the exception type, never the value."""
    code = _code(exc)
    logger.warning(
        f"{owner.kind} secret call failed",
        extra={owner.id_field: owner_id, "doing": doing, "awsErrorCode": code, "exception": type(exc).__name__},
    )
    whose = f"the secret of {owner.kind} {owner_id}"
    if _pending_deletion(exc):
        return Conflict(
            f"{whose} is scheduled for deletion; an operator can restore it "
            f"(aws secretsmanager restore-secret --secret-id {owner.name(owner_id)}) before it is set again",
        )
    if code in ("ValidationException", "InvalidParameterException"):
        return Invalid(f"Secrets Manager refused {whose} ({code})")
    return Unavailable(f"could not {doing} {whose} ({code or type(exc).__name__}); retry")
