"""Domain rules without a server: validation, lease fencing, the prompt check."""

from __future__ import annotations

import pytest
from taskqueue_server import errors
from taskqueue_server.model import Priority, TaskState
from taskqueue_server.queue import leases, prompt_match, validation
from taskqueue_server.store.tasks import TaskRow


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
    from taskqueue_server.queue.leases import new_tokens

    tokens = {t for _ in range(40) for t in new_tokens(50)} | set(new_tokens(1))
    assert len(tokens) == 2001, "every token differs, within a claim and across claims"
    assert all(len(t) == 32 and set(t) <= set("0123456789abcdef") for t in tokens)
