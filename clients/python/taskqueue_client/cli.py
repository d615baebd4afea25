"""`taskqueue`: the command line for people and scripts.

Tables for people, `--json` for scripts. Exit codes scripts can rely on:
0 done; 2 invalid input; 3 no such task; 4 refused by the task's state (not waiting, lease
lost, ...); 5 server unavailable; 6 nothing to claim; 7 credentials missing, refused or
not allowed this call; 8 rate limited; 1 anything else.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health_pb2
from taskqueue.v1 import task_pb2

from taskqueue_client.client import Credentials, SyncTaskQueueClient
from taskqueue_client.errors import TaskQueueClientError

EXIT_CODES = {
    grpc.StatusCode.INVALID_ARGUMENT: 2,
    grpc.StatusCode.NOT_FOUND: 3,
    grpc.StatusCode.FAILED_PRECONDITION: 4,
    grpc.StatusCode.ALREADY_EXISTS: 4,
    grpc.StatusCode.UNAVAILABLE: 5,
    grpc.StatusCode.UNAUTHENTICATED: 7,
    grpc.StatusCode.PERMISSION_DENIED: 7,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 8,
}
NOTHING_TO_CLAIM = 6
STATES = {"waiting": 1, "working": 2, "completed": 3, "failed": 4, "cancelled": 5}


def _name(enum: Any, value: int, prefix: str) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()


def _row(task: task_pb2.Task) -> list[str]:
    return [
        task.id,
        _name(task_pb2.TaskState, task.state, "TASK_STATE_"),
        _name(task_pb2.Priority, task.priority, "PRIORITY_"),
        task.work_directory,
        task.worker_id or "-",
        task.prompt.replace("\n", " ")[:50],
    ]


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


HEADER = ["ID", "STATE", "PRIORITY", "DIRECTORY", "WORKER", "PROMPT"]


class Output:
    """Prints a message as JSON (--json) or as text for people."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def message(self, msg: Any, text: Callable[[], str]) -> None:
        if self.as_json:
            print(json_format.MessageToJson(msg, preserving_proto_field_name=True))
        else:
            print(text())


def _task_text(task: task_pb2.Task) -> str:
    lines = [_table([_row(task)], HEADER)]
    if task.error:
        lines.append(f"error: {task.error}")
    if task.HasField("result"):
        lines.append(f"result: {json_format.MessageToJson(task.result, indent=None)}")
    return "\n".join(lines)


def run_command(task: task_pb2.Task, command: Sequence[str]) -> tuple[int, str]:
    """Runs `command` in the task's work directory with the prompt on stdin."""
    try:
        done = subprocess.run(
            list(command),
            input=task.prompt,
            capture_output=True,
            text=True,
            cwd=task.work_directory if os.path.isdir(task.work_directory) else None,
            env={**os.environ, "TASKQUEUE_TASK_ID": task.id},
        )
    except OSError as exc:
        return 127, str(exc)
    return done.returncode, (done.stdout + done.stderr)[-60_000:]


def work(client: SyncTaskQueueClient, args: argparse.Namespace) -> int:
    """Takes tasks one at a time and runs the command on each."""
    print("waiting for tasks…", file=sys.stderr, flush=True)
    for handled, pushed in enumerate(
        client.watch_next(
            args.worker, work_directory=args.directory, lease_seconds=args.lease_seconds
        ),
        start=1,
    ):
        task = pushed.task
        print(f"working on {task.id}: {task.prompt[:60]!r}", file=sys.stderr)
        code, output = run_command(task, args.command)
        if code == 0:
            client.complete_task(
                task.id,
                lease_token=pushed.lease_token,
                original_prompt=task.prompt,
                result={"exit_status": code, "output": output},
            )
        else:
            client.fail_task(
                task.id,
                lease_token=pushed.lease_token,
                original_prompt=task.prompt,
                error=f"exit status {code}: {output}"[:60_000],
            )
        print(
            f"{task.id}: exit status {code} ({handled} done); waiting for tasks…",
            file=sys.stderr,
            flush=True,
        )
        if args.max_tasks and handled >= args.max_tasks:
            return 0
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="taskqueue", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default=os.environ.get("TASKQUEUE_SERVER", "127.0.0.1:50051"))
    parser.add_argument(
        "--token",
        default=os.environ.get("TASKQUEUE_TOKEN", ""),
        help="API key or JWT (env TASKQUEUE_TOKEN)",
    )
    parser.add_argument(
        "--tls-ca",
        default=os.environ.get("TASKQUEUE_TLS_CA", ""),
        help="PEM CA that signed the server's certificate: connect with TLS (env TASKQUEUE_TLS_CA)",
    )
    parser.add_argument(
        "--tls-cert",
        default=os.environ.get("TASKQUEUE_TLS_CERT", ""),
        help="client certificate (PEM) for mTLS (env TASKQUEUE_TLS_CERT)",
    )
    parser.add_argument(
        "--tls-key",
        default=os.environ.get("TASKQUEUE_TLS_KEY", ""),
        help="client private key (PEM) for mTLS (env TASKQUEUE_TLS_KEY)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command_name", required=True)
    p = sub.add_parser("submit", help="queue a task")
    p.add_argument("work_directory")
    p.add_argument("prompt", help="the prompt, or - to read it from stdin")
    p.add_argument("--priority", default="medium", choices=["high", "medium", "low"])
    p.add_argument("--tag", action="append", default=[])
    p.add_argument("--request-id", default="")
    p = sub.add_parser("get", help="show one task")
    p.add_argument("task_id")
    p = sub.add_parser("list", help="find tasks")
    p.add_argument("--state", action="append", default=[], choices=list(STATES))
    p.add_argument("--directory", default="")
    p.add_argument("--tag", action="append", default=[])
    p.add_argument("--order-by", default="")
    p.add_argument("--page-size", type=int, default=50)
    p.add_argument("--all", action="store_true", help="every page, not only the first")
    p.add_argument(
        "--watch",
        action="store_true",
        help="keep following: print each task again whenever it changes",
    )
    p.add_argument("--interval", type=float, default=1.0, help="seconds between looks (--watch)")
    p.add_argument(
        "--watch-seconds",
        type=float,
        default=0.0,
        help="stop following after this long (0: until Ctrl-C)",
    )
    for name in ("cancel", "retry"):
        p = sub.add_parser(name, help=f"{name} a task")
        p.add_argument("task_id")
        p.add_argument("--reason", default="")
    p = sub.add_parser("priority", help="change a waiting task's priority")
    p.add_argument("task_id")
    p.add_argument("priority", choices=["high", "medium", "low"])
    p = sub.add_parser("claim", help="take the next task (exit 6 when none waits)")
    p.add_argument("--worker", required=True)
    p.add_argument("--directory", default="")
    p = sub.add_parser("complete", help="report a task done")
    p.add_argument("task_id")
    p.add_argument("--lease-token", default="")
    p.add_argument("--prompt", default="", help="the prompt you worked on (checked)")
    p.add_argument("--result", default="", help="a JSON object")
    p = sub.add_parser("fail", help="report a task failed")
    p.add_argument("task_id")
    p.add_argument("--lease-token", default="")
    p.add_argument("--error", default="")
    p = sub.add_parser("work", help="run COMMAND for each task (prompt on stdin)")
    p.add_argument("--worker", required=True)
    p.add_argument("--directory", default="")
    p.add_argument("--max-tasks", type=int, default=0, help="stop after this many tasks")
    p.add_argument(
        "--lease-seconds", type=float, default=None, help="lease of each task (server default)"
    )
    p.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("stats", help="task counts")
    sub.add_parser("health", help="is the server serving? (exit 5 when not)")
    args = parser.parse_args(argv)
    out = Output(args.json)
    if args.command_name == "work":
        if args.command[:1] == ["--"]:
            args.command = args.command[1:]
        if not args.command:
            parser.error("work needs a command after --")
    credentials = Credentials(
        token=args.token, tls_ca=args.tls_ca, tls_cert=args.tls_cert, tls_key=args.tls_key
    )
    client = SyncTaskQueueClient(args.server, credentials=credentials)
    try:
        return dispatch(client, args, out)
    except TaskQueueClientError as exc:
        print(f"taskqueue: {exc}", file=sys.stderr)
        for v in exc.violations:
            print(f"  {v.field}: {v.description}", file=sys.stderr)
        return EXIT_CODES.get(exc.code, 1)


def list_all(
    client: SyncTaskQueueClient, fields: dict[str, Any], *, every_page: bool
) -> tuple[list[task_pb2.Task], int]:
    tasks: list[task_pb2.Task] = []
    token = ""
    while True:
        page = client.list_tasks(page_token=token, **fields)
        tasks += page.tasks
        token = page.next_page_token
        if not (every_page and token):
            return tasks, int(page.total_size)


def follow(
    client: SyncTaskQueueClient, fields: dict[str, Any], args: argparse.Namespace, out: Output
) -> int:
    """Prints every matching task, then each one again whenever it changes (by update_time),
    until Ctrl-C or --watch-seconds."""
    seen: dict[str, int] = {}
    deadline = time.monotonic() + args.watch_seconds if args.watch_seconds else None
    try:
        while deadline is None or time.monotonic() < deadline:
            tasks, total = list_all(client, fields, every_page=True)
            for task in tasks:
                stamp = task.update_time.ToMicroseconds()
                if seen.get(task.id) != stamp:
                    seen[task.id] = stamp
                    line = _table([_row(task)], HEADER).splitlines()[1]
                    out.message(task, functools.partial(str, line))
                    sys.stdout.flush()
            print(f"\rwatching {total} tasks…", end="", file=sys.stderr, flush=True)
            time.sleep(args.interval)
    except KeyboardInterrupt:
        pass
    print(file=sys.stderr)
    return 0


def dispatch(client: SyncTaskQueueClient, args: argparse.Namespace, out: Output) -> int:
    name = args.command_name
    if name == "submit":
        prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
        task = client.create_task(
            args.work_directory,
            prompt,
            priority=args.priority,
            tags=args.tag,
            request_id=args.request_id,
        )
        out.message(task, lambda: task.id)
    elif name == "get":
        task = client.get_task(args.task_id)
        out.message(task, lambda: _task_text(task))
    elif name == "list":
        fields: dict[str, Any] = {
            "states": [STATES[s] for s in args.state],
            "work_directory": args.directory,
            "tags": args.tag,
            "order_by": args.order_by,
            "page_size": args.page_size,
        }
        if args.watch:
            return follow(client, fields, args, out)
        tasks, total = list_all(client, fields, every_page=args.all)
        if out.as_json:
            print(
                json.dumps(
                    [json_format.MessageToDict(t, preserving_proto_field_name=True) for t in tasks],
                    indent=2,
                )
            )
        else:
            print(_table([_row(t) for t in tasks], HEADER))
            print(f"{len(tasks)} of {total} tasks", file=sys.stderr)
    elif name in ("cancel", "retry", "priority", "fail"):
        if name == "cancel":
            task = client.cancel_task(args.task_id, args.reason)
        elif name == "retry":
            task = client.retry_task(args.task_id, args.reason)
        elif name == "priority":
            task = client.set_priority(args.task_id, args.priority)
        else:
            task = client.fail_task(args.task_id, lease_token=args.lease_token, error=args.error)
        out.message(task, lambda: _task_text(task))
    elif name == "claim":
        got = client.claim_task(args.worker, work_directory=args.directory)
        if not got.HasField("task"):
            print("nothing to claim", file=sys.stderr)
            return NOTHING_TO_CLAIM
        out.message(got, lambda: f"{got.task.id} {got.lease_token}\n{got.task.prompt}")
    elif name == "complete":
        result = json.loads(args.result) if args.result else None
        task = client.complete_task(
            args.task_id, lease_token=args.lease_token, original_prompt=args.prompt, result=result
        )
        out.message(task, lambda: _task_text(task))
    elif name == "work":
        return work(client, args)
    elif name == "stats":
        stats = client.get_stats()
        s = stats.tasks_by_state
        out.message(
            stats,
            lambda: _table(
                [
                    [
                        str(s.waiting),
                        str(s.working),
                        str(s.completed),
                        str(s.failed),
                        str(s.cancelled),
                        str(s.scheduled),
                    ]
                ],
                ["WAITING", "WORKING", "COMPLETED", "FAILED", "CANCELLED", "SCHEDULED"],
            ),
        )
    elif name == "health":
        try:
            status = client.health()
        except grpc.RpcError:
            print("UNREACHABLE")
            return 5
        print(health_pb2.HealthCheckResponse.ServingStatus.Name(status))
        return 0 if status == health_pb2.HealthCheckResponse.SERVING else 5
    return 0


def entry() -> None:
    sys.exit(main())
