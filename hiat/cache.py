"""Documents made once and served again until the assessment changes.

A statement is a pure function of the assessment, the banks and the date, so a
document made from one state can be served again for as long as that state lasts.
Keys name that state (id, last change, status, revision, date); a change makes a
new key, and the least recently used documents leave once the size limit is reached.
One cache per app (in app.extensions), shared by the threads of a worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
DEFAULT_LIMIT = 64 * 1024 * 1024  # bytes of documents kept per worker


class DocumentCache:
    def __init__(self, limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The document for `key`, made by `make()` the first time it is asked for."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
        value = make()  # outside the lock: two threads may both make it; the last one is kept
        self._put(key, value)
        return value

    def _put(self, key: Hashable, value: object) -> None:
        size = _size(value)
        if size > self.limit:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size -= _size(old) if old is not None else 0
            self._items[key] = value
            self._size += size
            while self._size > self.limit:
                _, dropped = self._items.popitem(last=False)
                self._size -= _size(dropped)

    def __len__(self) -> int:
        return len(self._items)


def _size(value: object) -> int:
    """Characters or bytes held: of a document, or of every document in a tuple."""
    if isinstance(value, tuple):
        return sum(_size(part) for part in value)
    return len(value) if isinstance(value, (str, bytes)) else 0
