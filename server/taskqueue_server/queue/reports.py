"""What workers report on the tasks they hold: heartbeats, completions (one or a batch)
and failures, each fenced by the lease token and checked against the task's prompt."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from taskqueue_server import errors, lifecycle
from taskqueue_server.config import Settings
from taskqueue_server.model import CompleteInput, Completion, Task, TaskFacts
from taskqueue_server.queue import prompt_match, retries, validation
from taskqueue_server.queue.clocks import Clocks
from taskqueue_server.queue.watchers import WatcherHub
from taskqueue_server.store.port import Store, Transaction

MAX_BATCH_COMPLETE: Final = 1000
"""At most this many completions in one CompleteTasks call."""


class Reports:
    """Heartbeat, CompleteTask, CompleteTasks, FailTask (and Work's reports)."""

    def __init__(
        self,
        store: Store,
        hub: WatcherHub,
        clocks: Clocks,
        settings: Settings,
        clock: Callable[[], int],
        rng: random.Random,
    ) -> None:
        self._store = store
        self._hub = hub
        self._clocks = clocks
        self._settings = settings
        self._clock = clock
        self._rng = rng

    async def heartbeat(self, *, task_id: str, lease_token: str) -> int:
        """Extends a current lease by its duration; returns the new expiry."""
        v = validation.Violations()
        key = validation.task_id(task_id, v)
        token = validation.lease_token(lease_token, v, required=True)
        v.raise_if_any()
        now = self._clock()

        def op(tx: Transaction) -> int:
            facts = lifecycle.found(tx.task_facts(key), key)
            lifecycle.check_renewable(facts, token, now)
            expire = now + (facts.lease_duration or self._settings.default_lease_us)
            tx.extend_lease(facts, expire_time=expire, now=now)
            return expire

        return await self._store.write(op)

    async def complete(
        self,
        *,
        task_id: str,
        lease_token: str = "",
        original_prompt: str = "",
        result: dict[str, Any] | None = None,
    ) -> Task:
        """Marks a working task completed with its result."""
        v = validation.Violations()
        encoded = validation.result(result, v)
        key, token, now = await self._finish_request(task_id, lease_token, original_prompt, v)

        def op(tx: Transaction) -> Task:
            facts, actor = _completable(tx.task_facts(key), key, token, now)
            return tx.complete(facts, result_json=encoded, now=now, actor=actor)

        task = await self._store.write(op)
        self._clocks.finished(task)
        return task

    async def complete_many(
        self, items: Sequence[CompleteInput]
    ) -> list[Completion | errors.TaskQueueError]:
        """Completes each item as `complete` would, in one transaction; one refused item does
        not stop the others. The answers are in the items' order; a completed task is not read
        back (that was half of a completion's cost in the writer)."""
        if not 1 <= len(items) <= MAX_BATCH_COMPLETE:
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        field="requests", description=f"1 to {MAX_BATCH_COMPLETE} completions"
                    )
                ]
            )
        outcomes: list[Completion | errors.TaskQueueError | None] = [None] * len(items)
        checked: list[tuple[int, str, str, str | None, str]] = []  # index, key, token, ...
        for i, item in enumerate(items):
            v = validation.Violations()
            encoded = validation.result(item.result, v)
            key = validation.task_id(item.task_id, v)
            token = validation.lease_token(item.lease_token, v, required=False)
            reported = validation.original_prompt(
                item.original_prompt, v, max_bytes=self._settings.max_prompt_bytes
            )
            if v.items:
                outcomes[i] = errors.InvalidArgument(
                    [
                        errors.FieldViolation(
                            field=f"requests[{i}].{f.field}", description=f.description
                        )
                        for f in v.items
                    ]
                )
                continue
            checked.append((i, key, token, encoded, reported))
        wanted = [key for _, key, _, _, reported in checked if reported]
        stored = (
            await self._store.read(lambda s: s.get_prompts(wanted), quick=True) if wanted else {}
        )
        now = self._clock()
        todo: list[tuple[int, str, str, str | None]] = []
        for i, key, token, encoded, reported in checked:
            try:
                if reported:
                    self._match_prompt(key, stored.get(key), reported)
            except errors.TaskQueueError as exc:
                outcomes[i] = exc
                continue
            todo.append((i, key, token, encoded))

        def op(tx: Transaction) -> list[tuple[int, Completion | errors.TaskQueueError]]:
            answers: list[tuple[int, Completion | errors.TaskQueueError]] = []
            for group in _distinct_runs(todo):  # a repeated task is read after its first
                done: list[tuple[TaskFacts, str | None, str]] = []
                each = tx.each_task_facts([key for _, key, _, _ in group])
                for (i, key, token, encoded), facts in zip(group, each, strict=True):
                    try:  # no savepoint needed: _completable refuses before anything is written
                        lease, actor = _completable(facts, key, token, now)
                    except errors.TaskQueueError as exc:
                        answers.append((i, exc))
                        continue
                    done.append((lease, encoded, actor))
                    completion = Completion(
                        task_id=key,
                        work_directory=lease.work_directory,
                        start_time=lease.start_time,
                        complete_time=now,
                    )
                    answers.append((i, completion))
                tx.complete_quietly(done, now=now)  # all in one go
            return answers

        for i, answer in await self._store.write(op) if todo else []:
            outcomes[i] = answer
            if isinstance(answer, Completion):
                self._hub.released(answer.task_id, answer.work_directory)
        return [o for o in outcomes if o is not None]

    async def fail(
        self,
        *,
        task_id: str,
        lease_token: str = "",
        original_prompt: str = "",
        error: str = "",
        retryable: bool = True,
    ) -> Task:
        """Marks a working task failed, or, when its retry policy has attempts left, queues it
        again after a backoff (retryable=False stops that)."""
        v = validation.Violations()
        message = validation.error_message(error, v)
        key, token, now = await self._finish_request(task_id, lease_token, original_prompt, v)

        def op(tx: Transaction) -> Task:
            facts = lifecycle.found(tx.task_facts(key), key)
            lifecycle.check_current(facts, token, now)
            actor = facts.worker_id if token else "client"
            outcome = retries.after_failure(
                facts.retry_policy, facts.attempt, retryable=retryable, rng=self._rng
            )
            if outcome.retry_after_us is None:
                return tx.fail(
                    facts, error=message, now=now, actor=actor, reason=lifecycle.failed(message)
                )
            return tx.requeue(
                facts,
                due_time=now + outcome.retry_after_us,
                error=message,
                lease_expired=False,
                now=now,
                actor=actor,
                reason=lifecycle.backing_off(outcome.reason, message),
            )

        task = await self._store.write(op)
        self._clocks.finished(task)
        return task

    async def _finish_request(
        self, task_id: str, lease_token: str, original_prompt: str, v: validation.Violations
    ) -> tuple[str, str, int]:
        """Validates what complete and fail share, checks the prompt; (id, token, now)."""
        key = validation.task_id(task_id, v)
        token = validation.lease_token(lease_token, v, required=False)
        reported = validation.original_prompt(
            original_prompt, v, max_bytes=self._settings.max_prompt_bytes
        )
        v.raise_if_any()
        if reported:
            # Prompts never change, so this runs on a reader, outside the writer.
            stored = await self._store.read(lambda s: s.get_prompt(key), quick=True)
            self._match_prompt(key, stored, reported)
        return key, token, self._clock()

    def _match_prompt(self, task_id: str, stored: str | None, reported: str) -> None:
        """Refuses a report whose prompt is not the task's."""
        if stored is None:
            raise lifecycle.not_found(task_id)
        score = prompt_match.score(stored, reported)
        threshold = self._settings.prompt_match_threshold
        if score < threshold:
            raise errors.PromptMismatch(
                f"original_prompt does not match the task's prompt (score {score:.1f}, needs"
                f" {threshold:g}): this may be another task's result",
                metadata={"score": f"{score:.1f}", "threshold": f"{threshold:g}"},
            )


def _completable(facts: TaskFacts | None, key: str, token: str, now: int) -> tuple[TaskFacts, str]:
    """The facts of the task `key` (None when there is none) if this caller may complete it
    now, and who completes it. Every refusal comes before the first write (batches rely on
    it to skip savepoints)."""
    lease = lifecycle.found(facts, key)
    lifecycle.check_current(lease, token, now)
    return lease, lease.worker_id if token else "client"


_Todo = tuple[int, str, str, str | None]  # index, task id, lease token, result JSON


def _distinct_runs(todo: list[_Todo]) -> Iterator[list[_Todo]]:
    """`todo` cut, in order, into runs in which no task id repeats."""
    run: list[_Todo] = []
    seen: set[str] = set()
    for item in todo:
        key = item[1]
        if key in seen:
            yield run
            run, seen = [], set()
        run.append(item)
        seen.add(key)
    if run:
        yield run
