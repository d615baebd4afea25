"""`make bench-compare REF=<commit>`: the key cases for the working tree and for REF, in
interleaved pairs, so that a change that costs 10% is seen before it lands.

REF is checked out into a temporary git worktree; its server runs from there (PYTHONPATH
points at its server/ and gen/python) with the same interpreter, packages, load generator
and clients as the working tree. Each pair runs both sides back to back, the order
alternating from pair to pair, so drift of this noisy machine hits both alike. The table
gives each side's median and the median of the per-pair ratios (tree ÷ REF).

  python tests/bench/compare.py REF [--pairs N] [--seconds S] [--cases a,b,...]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # the cases and servers of make bench

Measure = Callable[[dict[str, str], float], float]


def _create(env: dict[str, str], seconds: float) -> float:
    with run.taskqueue_server(env=env) as address:
        return float(run.loadgen(address, 64, seconds, connections=4)["ops_per_s"])


def _batch(env: dict[str, str], seconds: float) -> float:
    with run.taskqueue_server(env=env) as address:
        got = run.loadgen(address, 64, seconds, call="BatchCreateTasks", connections=4)
        return float(got["tasks_per_s"])


def _secured(env: dict[str, str], seconds: float) -> float:
    with run.secured_server(env) as (address, token):
        return float(run.loadgen(address, 64, seconds, token)["ops_per_s"])


def _e2e(env: dict[str, str], seconds: float) -> float:
    with run.taskqueue_server(env=env) as address:
        return float(run.e2e("taskqueue", address, seconds)["tasks_per_s"])


CASES: dict[str, tuple[str, Measure]] = {
    "create": ("CreateTask c=64 ops/s", _create),
    "batch": ("BatchCreateTasks(100) c=64 tasks/s", _batch),
    "auth": ("CreateTask c=64 auth+limits ops/s", _secured),
    "e2e": ("end to end over Work tasks/s", _e2e),
}


def _env(tree: Path) -> dict[str, str]:
    return {"PYTHONPATH": f"{tree / 'server'}:{tree / 'gen' / 'python'}"}


@contextlib.contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """REF checked out (detached) into a temporary worktree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tq-ref-") as tmp:
        path = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(run.ROOT), "worktree", "add", "--detach", "-q",
                        str(path), ref], check=True)  # fmt: skip
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(run.ROOT), "worktree", "remove", "--force",
                            str(path)], check=False)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("ref", help="the commit to compare the working tree with")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--cases", default=",".join(CASES), help=f"of {', '.join(CASES)}")
    args = parser.parse_args()
    chosen = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        parser.error(f"unknown cases: {', '.join(unknown)}")
    run.ensure_loadgen()
    tree = _env(run.ROOT)
    results: dict[str, dict[str, list[float]]] = {c: {"tree": [], "ref": []} for c in chosen}
    with worktree(args.ref) as ref_path:
        ref = _env(ref_path)
        for pair in range(args.pairs):
            sides: list[tuple[str, dict[str, str]]] = [("tree", tree), ("ref", ref)]
            if pair % 2:
                sides.reverse()
            for case in chosen:
                for side, env in sides:
                    value = CASES[case][1](env, args.seconds)
                    results[case][side].append(value)
                    print(f"pair {pair + 1} {case} {side}: {value:,.0f}", flush=True)
    print(f"\n{'case':<38} {'tree':>10} {'ref ' + args.ref[:10]:>15} {'tree/ref':>9}  pairs")
    for case in chosen:
        a, b = results[case]["tree"], results[case]["ref"]
        ratios = [x / y for x, y in zip(a, b, strict=True) if y]
        shown = " ".join(f"{r:.2f}" for r in ratios)
        print(f"{CASES[case][0]:<38} {statistics.median(a):>10,.0f} {statistics.median(b):>15,.0f}"
              f" {statistics.median(ratios):>8.2f}x  {shown}")  # fmt: skip


if __name__ == "__main__":
    main()
