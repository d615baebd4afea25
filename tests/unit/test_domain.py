"""Domain rules without a server: validation, lease fencing, the prompt check."""

from __future__ import annotations

import pytest
from google.protobuf import json_format
from taskqueue_server import errors
from taskqueue_server import lifecycle as leases
from taskqueue_server.model import Priority, TaskState
from taskqueue_server.model import TaskFacts as TaskRow
from taskqueue_server.queue import prompt_match, validation


def checked(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    v = validation.Violations()
    value = fn(*args, v, **kwargs)
    return value, [item.field for item in v.items]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("/a/b", "/a/b"), ("/a/./b/", "/a/b"), ("//a//b", "/a/b"), ("/a/../../b", "/b"), ("/", "/")],
)
def test_work_directory_is_normalised(raw: str, clean: str) -> None:
    assert checked(validation.work_directory, raw) == (clean, [])


@pytest.mark.parametrize("raw", ["", "a/b", "./a", "/a\x00", "/a\n", "/a\x7f", "/" + "é" * 2048])
def test_work_directory_refusals(raw: str) -> None:
    assert checked(validation.work_directory, raw)[1] == ["work_directory"]


def test_tags_deduplicated_in_order_and_counted_after() -> None:
    tags = ["b", "a", "b"] + [f"t{i}" for i in range(18)]
    value, bad = checked(validation.tags, tags)
    assert value[:2] == ("b", "a") and len(value) == 20 and bad == []


def test_priority_unspecified_is_medium_and_unknown_refused() -> None:
    assert checked(validation.priority, 0) == (Priority.MEDIUM, [])
    assert checked(validation.priority, 4)[1] == ["priority"]
    assert checked(validation.priority, 1) == (Priority.HIGH, [])
    assert checked(validation.priority, -1)[1] == ["priority"]


def test_values_checked_before_are_answered_alike() -> None:
    # Valid directories and tags are remembered (batches repeat them); a refusal never is.
    for _ in range(3):
        assert checked(validation.work_directory, "/r/./s//") == ("/r/s", [])
        assert checked(validation.work_directory, "r/s")[1] == ["work_directory"]
        assert checked(validation.tags, ["x", "y", "x"]) == (("x", "y"), [])
        assert checked(validation.tags, ["ok", "not ok"])[1] == ["tags[1]"]
        assert checked(validation.tags, [f"t{i}" for i in range(21)])[1] == ["tags"]
    for i in range(validation._REMEMBERED + 10):  # bounded: forgets, then checks again
        assert checked(validation.work_directory, f"/many/{i}/") == (f"/many/{i}", [])
    assert len(validation._CLEAN_PATHS) <= validation._REMEMBERED
    assert checked(validation.work_directory, "/r/./s//") == ("/r/s", [])


def lease(state: TaskState, token: str | None = "tok", expire: int | None = 100) -> TaskRow:
    return TaskRow(
        seq=1,
        state=state,
        lease_token=token,
        lease_expire_time=expire,
        lease_duration=10,
        attempt=1,
        worker_id="w",
    )


def test_current_lease_may_finish_and_no_token_may_too() -> None:
    leases.check_current(lease(TaskState.WORKING), "tok", now=50)
    leases.check_current(lease(TaskState.WORKING), "", now=50)


@pytest.mark.parametrize(
    ("row", "token", "reason"),
    [
        (lease(TaskState.WORKING), "other", "LEASE_LOST"),
        (lease(TaskState.WORKING, expire=50), "tok", "LEASE_LOST"),
        (lease(TaskState.WAITING, token=None, expire=None), "tok", "LEASE_LOST"),
        (lease(TaskState.COMPLETED), "other", "LEASE_LOST"),
        (lease(TaskState.COMPLETED), "tok", "TASK_NOT_WORKING"),
        (lease(TaskState.COMPLETED), "", "TASK_NOT_WORKING"),
        (lease(TaskState.WAITING, token=None, expire=None), "", "TASK_NOT_WORKING"),
    ],
)
def test_refused_finishes(row: TaskRow, token: str, reason: str) -> None:
    with pytest.raises(errors.TransitionRefused) as info:
        leases.check_current(row, token, now=50)
    assert info.value.reason == reason


def test_heartbeat_needs_the_current_unexpired_lease() -> None:
    leases.check_renewable(lease(TaskState.WORKING), "tok", now=50)
    lost = [
        (lease(TaskState.WORKING), "x"),
        (lease(TaskState.WORKING, expire=50), "tok"),
        (lease(TaskState.COMPLETED), "tok"),
    ]
    for row, token in lost:
        with pytest.raises(errors.LeaseLost):
            leases.check_renewable(row, token, now=50)


def test_prompt_score_ignores_whitespace_and_ranks_similarity() -> None:
    assert prompt_match.score("fix  the\nbug", " fix the bug ") == 100
    assert prompt_match.score("fix the bug in parser", "fix the bugs in parser") > 90
    assert prompt_match.score("fix the bug", "write the docs") < 60


def test_settings_from_environment_and_flags() -> None:
    import argparse

    from taskqueue_server import config

    base = config.Settings().with_env(
        {"TASKQUEUE_MAX_WORKING_PER_DIRECTORY": "2", "TASKQUEUE_DEFAULT_LEASE_SECONDS": "1.5"}
    )
    assert base.max_working_per_directory == 2 and base.default_lease_us == 1_500_000
    parser = argparse.ArgumentParser()
    config.add_flags(parser, base)
    args = parser.parse_args(["--max-retries", "7", "--retry-initial-backoff-seconds", "0.25"])
    settings = config.from_flags(args, base)
    assert (settings.max_retries, settings.retry_initial_backoff_us) == (7, 250_000)
    assert settings.max_working_per_directory == 2
    assert settings.problems() == []
    assert config.Settings(max_retries=-1).problems() == ["max_retries=-1 is outside its range"]
    with pytest.raises(ValueError, match="TASKQUEUE_MAX_RETRIES"):
        config.Settings().with_env({"TASKQUEUE_MAX_RETRIES": "many"})


def test_stats_sampler_is_exact_when_small_and_bounded_when_large() -> None:
    import random

    from taskqueue_server.ops.stats import Sampler, summarise

    small = Sampler(random.Random(1), size=1000)
    values = list(range(1, 501))
    for v in values:
        small.add(v)
    assert small.summary() == summarise(values)

    large = Sampler(random.Random(1), size=1000)
    for v in range(1, 100_001):
        large.add(v)
    got = large.summary()
    assert len(large.sample) == 1000, "memory stays bounded"
    assert (got.count, got.mean) == (100_000, 50_000), "count and mean stay exact"
    assert abs(got.p50 - 50_000) < 5_000 and abs(got.p99 - 99_000) < 2_000


def test_lease_tokens_are_safe_on_a_command_line() -> None:
    from taskqueue_server.queue.fencing import new_tokens

    tokens = {t for _ in range(40) for t in new_tokens(50)} | set(new_tokens(1))
    assert len(tokens) == 2001, "every token differs, within a claim and across claims"
    assert all(len(t) == 32 and set(t) <= set("0123456789abcdef") for t in tokens)


def test_a_task_converts_to_its_proto_field_by_field() -> None:
    from taskqueue.v1 import task_pb2
    from taskqueue_server.api import convert
    from taskqueue_server.model import RetryPolicy, Task, TaskEvent, TaskState

    events = (
        TaskEvent(from_state=None, to_state=TaskState.WAITING, time=1_000_001,
                  actor="client", reason="created", attempt=0),
        TaskEvent(from_state=TaskState.WAITING, to_state=TaskState.WORKING, time=2_500_000,
                  actor="w1", reason="claimed", attempt=1),
    )  # fmt: skip
    task = Task(id="t1", work_directory="/srv/ü", prompt="p", priority=Priority.HIGH,
                tags=("a", "b"), state=TaskState.COMPLETED, worker_id="w1", attempt=1,
                retry_count=2, result={"ok": True, "n": 3}, error="", cancel_reason="",
                create_time=1_000_001, start_time=2_500_000, complete_time=3_000_000_999,
                fail_time=None, cancel_time=None, update_time=3_000_000_999,
                lease_expire_time=None, history=events, due_time=None,
                retry_policy=RetryPolicy(max_attempts=3, initial_backoff_us=1_500_000,
                                         max_backoff_us=60_000_000, multiplier=2.0),
                max_working=4, lease_expiries=1)  # fmt: skip
    msg = convert.task(task)
    assert (msg.id, msg.work_directory, list(msg.tags)) == ("t1", "/srv/ü", ["a", "b"])
    assert (msg.priority, msg.state) == (task_pb2.PRIORITY_HIGH, task_pb2.TASK_STATE_COMPLETED)
    assert (msg.create_time.seconds, msg.create_time.nanos) == (1, 1000)
    assert (msg.complete_time.seconds, msg.complete_time.nanos) == (3000, 999_000)
    assert msg.HasField("start_time") and not msg.HasField("fail_time")
    assert not msg.HasField("lease_expire_time") and not msg.HasField("schedule_time")
    assert dict(msg.result) == {"ok": True, "n": 3}
    assert [(e.from_state, e.to_state, e.actor, e.attempt) for e in msg.history] == [
        (task_pb2.TASK_STATE_UNSPECIFIED, task_pb2.TASK_STATE_WAITING, "client", 0),
        (task_pb2.TASK_STATE_WAITING, task_pb2.TASK_STATE_WORKING, "w1", 1),
    ]
    assert (msg.history[1].time.seconds, msg.history[1].time.nanos) == (2, 500_000_000)
    assert msg.retry_policy.initial_backoff.ToMicroseconds() == 1_500_000
    assert (msg.max_working_in_directory, msg.lease_expiries, msg.retry_count) == (4, 1, 2)


def test_tasks_of_a_batch_convert_as_each_alone_would() -> None:
    """add_tasks copies the proto of the task before when only the id, directory and prompt
    differ; every other difference (tags, priority, schedule, retry policy, limit, creation
    time or reason) makes a proto of its own. Either way each equals `task` of it."""
    from taskqueue.v1 import taskqueue_service_pb2 as pb
    from taskqueue_server.api import convert
    from taskqueue_server.model import CreatedTasks as Created
    from taskqueue_server.model import RetryPolicy
    from taskqueue_server.model import ValidTask as NewRow
    from taskqueue_server.queue import records as record_making
    from taskqueue_server.queue.records import created

    def row(prompt: str, directory: str = "/w", **fields: object) -> NewRow:
        values: dict[str, object] = {"priority": Priority.MEDIUM, "tags": ("a",), **fields}
        return NewRow(work_directory=directory, prompt=prompt, **values)  # type: ignore[arg-type]

    policy = RetryPolicy(max_attempts=3, initial_backoff_us=1, max_backoff_us=2, multiplier=2.0)
    rows = [
        row("one"),
        row("two", "/v"),
        row("ünï", "/w/x"),  # shared: copies
        row("tags", tags=("a", "b")),
        row("high", priority=Priority.HIGH),
        row("high too", priority=Priority.HIGH),  # a copy of the one before
        row("later", due_time=9_000_000),
        row("retry", retry_policy=policy),
        row("limit", max_working=2),
        row("back to plain"),
    ]
    records = created([((n, f"id-{n}"), r) for n, r in enumerate(rows)], now=5_000_000, actor="c")
    records += created([((20, "id-late"), row("one"))], now=6_000_000, actor="c")
    records += created([((21, "id-other"), row("one"))], now=6_000_000, actor="someone else")
    response = pb.BatchCreateTasksResponse()
    convert.add_tasks(response.tasks, records)
    assert list(response.tasks) == [convert.task(t) for t in records]
    assert [t.id for t in response.tasks] == [r.id for r in records]
    assert response.tasks[3].tags == ["a", "b"] and response.tasks[4].tags == ["a"]
    assert response.tasks[7].HasField("retry_policy") and not response.tasks[8].HasField(
        "retry_policy"
    )
    # Built from the rows, without the records (BatchCreateTasks): the same protos.
    items = [((n, f"id-{n}"), r) for n, r in enumerate(rows)]
    for actor in ("c", "someone else"):
        made = Created(items=items, now=5_000_000, actor=actor)
        from_rows = pb.BatchCreateTasksResponse()
        convert.add_created(from_rows.tasks, made)
        assert list(from_rows.tasks) == [convert.task(t) for t in record_making.of_created(made)]
        assert record_making.of_created(made) == created(items, now=5_000_000, actor=actor)


@pytest.mark.parametrize(
    ("us", "seconds", "nanos"),
    [(0, 0, 0), (1, 0, 1000), (1_500_000, 1, 500_000_000), (-1, 0, -1000),
     (-300, 0, -300_000), (-1_500_000, -1, -500_000_000), (-2_000_000, -2, 0)],
)  # fmt: skip
def test_durations_keep_one_sign_and_round_trip(us: int, seconds: int, nanos: int) -> None:
    # A negative duration with positive nanos is not a valid Duration: grpcurl and the JSON
    # printers refuse the whole response ("signs of seconds and nanos do not match").
    from taskqueue_server.api import convert

    value = convert.duration(us)
    assert (value.seconds, value.nanos) == (seconds, nanos)
    assert convert.duration_us(value) == us
    json_format.MessageToJson(value)  # raises on mismatched signs
