"""Where a run's tasks execute, and the windowed pipeline that feeds them.

Locally, polling and chunks run on a thread pool in the flow process (extraction itself goes to
the supervised worker processes). With a Dask scheduler address they run on the cluster's
workers through prefect-dask; the flow process keeps validation, staging and the load.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)


class Batch(Sequence):
    """A list handed to a task as one opaque value. Neither Prefect (which walks task arguments
    looking for futures: seconds for a list of 20,000 polls) nor Dask (which rebuilds dataclasses
    inside lists it ships) looks into it; the task iterates it like a list."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]):
        self.items = list(items)

    def __getitem__(self, index):
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)


@contextmanager
def task_runner(dask_address: str | None, threads: int = 2):
    """A started Prefect task runner: Dask when an address is given, else local threads."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        runner = DaskTaskRunner(address=dask_address)
    else:
        from prefect.task_runners import ThreadPoolTaskRunner

        runner = ThreadPoolTaskRunner(max_workers=threads)
    with runner:
        yield runner


def window_for(runner, local: int = 2) -> int:
    """How many tasks to keep in flight: two per Dask worker (one running, one queued), else
    ``local`` (locally, one chunk is fetched while the one before it is extracted)."""
    if not hasattr(runner, "client"):
        return local
    return max(local, 2 * len(runner.client.scheduler_info().get("workers", {})))


def in_order(
    runner,
    task,
    items: Iterable[Any],
    parameters: Callable[[Any], dict],
    *,
    window: int,
    attempts: int = 3,
) -> Iterator[tuple[int, Any]]:
    """Run ``task`` over ``items`` with at most ``window`` in flight; yield ``(index, result)`` in
    order, so the caller stages chunk k while later chunks are still fetched and extracted.

    Each item's own failures are isolated inside the task, so a task that fails did so for a
    reason of the machinery (a Dask worker lost, say): it is submitted again, up to ``attempts``
    times, then the run fails and the chunks staged so far are loaded by the next run.
    """
    pending: deque[tuple[int, Any, Any, int]] = deque()
    source = iter(enumerate(items))

    def submit(item: Any):
        return runner.submit(task, {k: Batch(v) if isinstance(v, list) else v for k, v in parameters(item).items()})

    def top_up() -> None:
        while len(pending) < window:
            nxt = next(source, None)
            if nxt is None:
                return
            pending.append((*nxt, submit(nxt[1]), 1))

    top_up()
    while pending:
        index, item, future, attempt = pending.popleft()
        try:
            result = future.result()
        except Exception as exc:
            if attempt >= attempts:
                raise
            log.warning("task %s for chunk %d failed (%s: %s); submitting it again", task.name, index,
                        type(exc).__name__, exc)
            pending.appendleft((index, item, submit(item), attempt + 1))
            continue
        top_up()
        yield index, result


def batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]
