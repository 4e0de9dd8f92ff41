"""Parsed BPMN specs shared by every Engine of the process, keyed by file name and content hash.

A parse depends only on the bytes of a file and of the files it calls (the bundle hash names
both), so one parse serves every engine. Shared specs must be immutable: SpiffWorkflow keeps
per-instance state on tasks (tests/engine/test_spec_cache.py runs a procedure and compares each
spec's serialized form before and after), with one exception: a start event that waits for a
message or signal (an event subprocess, a collaboration) is connected into the spec the first
time it fires (BpmnStartTask.trigger_wf). Such a parse is never shared.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class SpecCache:
    """A bounded, thread-safe map (file name, bundle hash) → (specs, parse errors)."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], tuple] = OrderedDict()
        self._lock = threading.Lock()
        self.parses = 0  # how many parses ran (a test reads it)

    def get(self, key: tuple[str, str], parse: Callable[[], tuple],
            shareable: Callable[[tuple], bool]) -> tuple:
        """The cached entry, or parse() once and keep it if shareable (two racing parses agree)."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        entry = parse()
        with self._lock:
            self.parses += 1
            if not shareable(entry):
                return entry
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


SPECS = SpecCache()
