"""Progress people can read: a rich bar on a terminal, plain lines otherwise (CI, systemd)."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from fleet.services import FleetEvent

PLAIN_EVERY_SECONDS = 5.0


def outcome_line(event: FleetEvent) -> str:
    outcome = event.outcome
    target = outcome.target
    where = f"{target.name} ({target.alias}/{target.schema_name})"
    if outcome.failed:
        return f"FAILED {where} after {outcome.attempts} attempt(s): {outcome.error}"
    how = f"{outcome.replayed} replayed, {outcome.executed} by the executor"
    return f"{where}: {', '.join(outcome.applied)} ({how}) in {outcome.seconds * 1000:.0f} ms"


class PlainReporter:
    """Stage lines, failures, per-tenant lines at -v 2, and a progress line every few seconds."""

    def __init__(self, stream, verbosity: int = 1):
        self.stream, self.verbosity = stream, verbosity
        self.started = self.last = time.monotonic()

    def write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def __call__(self, event: FleetEvent) -> None:
        if self.verbosity < 1:
            return
        if event.kind == "start":
            self.started = self.last = time.monotonic()
        if event.kind in ("stage", "start", "done"):
            self.write(event.message)
            return
        if event.outcome.failed or self.verbosity >= 2:
            self.write(outcome_line(event))
        now = time.monotonic()
        if now - self.last >= PLAIN_EVERY_SECONDS or event.done == event.total:
            self.last = now
            rate = event.done / max(now - self.started, 1e-6)
            left = (event.total - event.done) / rate if rate else 0
            self.write(f"tenants: {event.done}/{event.total} done, {event.failed} failed, "
                       f"{rate:.1f}/s, about {left:.0f} s left")

    def close(self) -> None:
        pass


class BarReporter:
    """A rich progress bar: done / failed / remaining, rate and ETA."""

    def __init__(self, stream, verbosity: int = 1):
        self.verbosity = verbosity
        self.console = Console(file=stream, highlight=False)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"), TextColumn("{task.fields[rate]}/s"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, transient=False,
        )
        self.task = None
        self.started = time.monotonic()

    def __call__(self, event: FleetEvent) -> None:
        if event.kind == "stage" or event.kind == "done":
            self.progress.console.print(event.message)
            if event.kind == "done":
                self.close()
            return
        if event.kind == "start":
            self.progress.console.print(event.message)
            if event.total:
                self.started = time.monotonic()
                self.progress.start()
                self.task = self.progress.add_task("tenants", total=event.total, failed=0, rate="0.0")
            return
        if event.outcome.failed or self.verbosity >= 2:
            self.progress.console.print(outcome_line(event))
        rate = event.done / max(time.monotonic() - self.started, 1e-6)
        self.progress.update(self.task, completed=event.done, failed=event.failed, rate=f"{rate:.1f}")

    def close(self) -> None:
        self.progress.stop()


def reporter_for(stream, *, verbosity: int):
    is_tty = getattr(stream, "isatty", lambda: False)()
    return (BarReporter if is_tty and verbosity >= 1 else PlainReporter)(stream, verbosity)
