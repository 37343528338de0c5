"""What an id looks like: one pattern for every id in a path or a body.

Ids are parts of DynamoDB keys (`ORDER#<id>`, `EXTERNAL#<channel>#<externalId>`) and of URLs, so
they may not hold the keys' `#` separator, `/`, `%` or anything a URL would have to escape. The
OMS's own ids fit (`ord_…`, `fo_<order>_<n>`, `task_…`), and so do the network's (`dc-tilburg`,
`store-ams-kalverstraat`, `TEE-WHITE-M`, `cust-42`).
"""

from __future__ import annotations

import re

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
# Free text (names, reasons, address lines) is printable: no NUL, newline or other control character.
PRINTABLE_PATTERN = r"^[^\x00-\x1f\x7f]*$"

_ID = re.compile(ID_PATTERN)


def is_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None
