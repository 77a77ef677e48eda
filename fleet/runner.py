"""Bounded parallel workers: threads, each with its own connections, at most N per database.

Threads rather than processes: a replayed migration is a round trip to PostgreSQL, which
releases the GIL, and threads share the one loaded graph and collected SQL (django-tenants'
multiprocessing executor runs out of memory at scale, its #1205, #1211).
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from itertools import zip_longest
from typing import Callable, Iterable, TypeVar

from django.db import connections

T = TypeVar("T")
R = TypeVar("R")


def interleaved(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """Round robin over databases, so every database is worked on from the start."""
    groups: dict[str, list[T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    mixed = zip_longest(*(groups[name] for name in sorted(groups)))
    return [item for row in mixed for item in row if item is not None]


def run_bounded(items: list[T], *, work: Callable[[T], R], alias_of: Callable[[T], str],
                parallel: int, per_alias: int, done: Callable[[T, R], None],
                stop: threading.Event | None = None) -> None:
    """Run ``work`` over ``items``; ``done`` is called in the calling thread, in completion order."""
    stop = stop or threading.Event()
    if parallel <= 1 or len(items) <= 1:
        for item in items:
            if stop.is_set():
                return
            done(item, work(item))
        return
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in interleaved(items, alias_of):
        todo.put(item)
    results: queue.SimpleQueue = queue.SimpleQueue()
    gates: dict[str, threading.BoundedSemaphore] = defaultdict(lambda: threading.BoundedSemaphore(per_alias))
    for item in items:
        gates[alias_of(item)]  # created here, not raced for in the workers

    def worker():
        try:
            while not stop.is_set():
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                with gates[alias_of(item)]:
                    try:
                        results.put((item, work(item), None))
                    except BaseException as error:  # noqa: BLE001 - handed to the caller
                        results.put((item, None, error))
        finally:
            connections.close_all()  # this thread's connections

    threads = [threading.Thread(target=worker, name=f"fleet-{n}", daemon=True)
               for n in range(min(parallel, len(items)))]
    for thread in threads:
        thread.start()
    try:
        for _ in range(len(items)):
            while True:
                try:
                    item, result, error = results.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not any(thread.is_alive() for thread in threads):
                        return  # stopped: what was not started stays pending
            if error is not None:
                raise error
            done(item, result)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
