"""Live configuration as aggregates: every saved version of a section, and which one governs.

A section's body is plain JSON here; what a valid body is, is the contract's business
(`chalicelib.contracts.config`), checked before a version is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.aggregate import Aggregate
from chalicelib.domain.config_changes import Change, diff, paths
from chalicelib.domain.errors import Conflict


class Raced(Conflict):
    """Another change got there first (a version number taken, the active pointer moved)."""


@dataclass(slots=True)
class ConfigVersion(Aggregate):
    """One saved version of a section, a draft or not: written once, never changed."""

    section: str
    number: int
    body: dict[str, Any]
    draft: bool
    saved_at: str
    saved_by: str
    based_on: int  # the version active when it was saved (0: the built-in default)
    changes: list[Change]

    @property
    def identity(self) -> str:
        return f"{self.section}#{self.number}"


@dataclass(slots=True)
class ActiveConfig(Aggregate):
    """Which version of a section governs requests. Its own version counts activations: a
    rollback makes an old version active again, which the section's version number alone could
    not tell from no change at all."""

    section: str
    default_body: dict[str, Any]  # what governs while no version was ever activated
    current: ConfigVersion | None = None
    activated_at: str | None = None
    activated_by: str | None = None

    @property
    def identity(self) -> str:
        return self.section

    @property
    def number(self) -> int:
        """The active version's number; 0 for the built-in default."""
        return self.current.number if self.current else 0

    @property
    def body(self) -> dict[str, Any]:
        return self.current.body if self.current else self.default_body

    def new_version(self, number: int, body: dict[str, Any], *, draft: bool, actor: str, at: str) -> ConfigVersion:
        """A version to save, based on this one; the changes are against what governs now."""
        return ConfigVersion(
            section=self.section,
            number=number,
            body=body,
            draft=draft,
            saved_at=at,
            saved_by=actor,
            based_on=self.number,
            changes=diff(self.body, body),
            version=1,  # stored once, never changed
        )

    def activate(self, version: ConfigVersion, *, actor: str, at: str, reason: str) -> None:
        if version.section != self.section:
            raise ValueError(f"a version of {version.section} cannot govern {self.section}")
        previous, before = self.number, self.body
        self.current, self.activated_at, self.activated_by = version, at, actor
        self._record(
            "ConfigChanged",
            actor,
            at,
            previousVersion=previous,
            activation=self.stored_version + 1,
            reason=reason,
            paths=paths(diff(before, version.body)),
        )
