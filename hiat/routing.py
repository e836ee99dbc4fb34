"""URL converters for the whole app, registered before any route is added."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

# SQLite's largest integer: a bigger id can name no row, and passing one to a query
# raises OverflowError, so such a URL is "not found" before any handler runs.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` for ids: ASCII digits only, at most 19 of them, no bigger than MAX_ID.

    werkzeug's own accepts any length of any Unicode digit ("٣"), and a number with
    thousands of digits costs time to convert before it fails.
    """

    regex = r"[0-9]{1,19}"

    def __init__(self, map: Map, *args: Any, max: int = MAX_ID, **kwargs: Any) -> None:
        super().__init__(map, *args, max=max, **kwargs)
