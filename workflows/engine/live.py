"""A per-Engine LRU of live workflow objects, so a step need not deserialize its instance.

A workflow enters the cache only when the transaction that saved it commits, keyed by instance
id and holding the exact state blob it was saved as. A step takes its entry out (so a failing
step can never leave a half-mutated workflow behind) and reuses it only when the row it read
carries that same blob; anything else loads from the row as before. The conditional version
UPDATE still decides every race, so a stale entry can at worst cost a reload, never win.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "quanze_live_pending"
_HOOKED = "quanze_live_hooked"


class LiveWorkflows:
    """Bounded map instance id → (state blob, workflow) of committed steps."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[int, tuple[int, str, object]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, definition_id: int, state: str):
        """The cached workflow when it was saved as exactly `state`; the entry leaves the cache."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        if entry is None or entry[0] != definition_id or entry[1] != state:
            return None
        return entry[2]

    def offer(self, session: Session, instance_id: int, definition_id: int, state: str,
              workflow) -> None:
        """Keep the workflow once the session's transaction commits; forget it otherwise."""
        _hook(session)
        session.info.setdefault(_PENDING, {})[(id(self), instance_id)] = (
            self, definition_id, state, workflow)

    def evict(self, instance_id: int) -> None:
        """Drop an instance's entry (its row changed outside the engine's step)."""
        with self._lock:
            self._entries.pop(instance_id, None)

    def _put(self, instance_id: int, definition_id: int, state: str, workflow) -> None:
        with self._lock:
            self._entries[instance_id] = (definition_id, state, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def _hook(session: Session) -> None:
    """Listen once per session for the end of its transactions."""
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True
    event.listen(session, "after_commit", _promote)
    event.listen(session, "after_soft_rollback", _discard_on_rollback)
    event.listen(session, "after_transaction_end", _discard_at_end)


def _promote(session: Session) -> None:
    # A released SAVEPOINT also fires after_commit; only the outermost commit is durable.
    if session.in_nested_transaction():
        return
    for (_, instance_id), entry in session.info.pop(_PENDING, {}).items():
        cache, definition_id, state, workflow = entry
        cache._put(instance_id, definition_id, state, workflow)


def _discard_on_rollback(session: Session, _transaction) -> None:
    session.info.pop(_PENDING, None)  # any rollback, even of a SAVEPOINT: keep nothing


def _discard_at_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_PENDING, None)
