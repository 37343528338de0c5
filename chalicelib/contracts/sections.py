"""What every live configuration section's model shares: its base and the names it refers to.

Apart from `config.py` so that a section in its own module (`workflows.py`) can build on them while
`config.py` lists it among the sections, without an import cycle.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

from chalicelib.domain.ids import PRINTABLE_PATTERN

Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE_PATTERN)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
LocationTypeName = Literal["dc", "external_dc", "store", "pickup_point"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    def warnings(self) -> tuple[str, ...]:
        """What looks like a mistake but does not stop the section from governing (none by default)."""
        return ()
