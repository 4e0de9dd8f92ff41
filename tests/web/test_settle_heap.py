"""Before serving, the app builds its procedure engine and leaves its long-lived heap out of collections."""

from __future__ import annotations

import gc

from web.app import settle_heap


def test_settle_heap_builds_the_engine_and_freezes_what_is_alive(app):
    try:
        settle_heap(app)
        assert app.extensions["quanze"].workflow is not None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test process collects as usual
