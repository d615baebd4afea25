"""Task states as the stores write them: the one mapping between `model.TaskState` and the
integers in `tasks.state`, `task_events.from_state` and `task_events.to_state`, for every
adapter.

Queries put them in their text as literals (`f"... state = {WAITING} ..."`), not as bound
parameters: the planner must see `state = 1` to use the partial indexes of waiting and
working tasks. The SQLite migrations are history and keep the numbers they ran with; they
are these same values, which can never change (stored rows hold them).
"""

from __future__ import annotations

from typing import Final

from taskqueue_server.model import TaskState

WAITING: Final = int(TaskState.WAITING)
WORKING: Final = int(TaskState.WORKING)
COMPLETED: Final = int(TaskState.COMPLETED)
FAILED: Final = int(TaskState.FAILED)
CANCELLED: Final = int(TaskState.CANCELLED)


def literal(state: TaskState) -> str:
    """The text of `state` in a statement."""
    return str(int(state))
