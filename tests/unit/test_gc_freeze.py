"""What start-up made is frozen out of the cyclic collector (main.untrack_startup_objects):
a full collection walking it stalled the event loop for 24-36 ms under load."""

from __future__ import annotations

import gc

from taskqueue_server import main


def test_start_up_objects_leave_the_collectors_sight() -> None:
    try:
        main.untrack_startup_objects()
        assert gc.get_freeze_count() > 10_000  # at least the modules imported so far
    finally:
        gc.unfreeze()
