"""Counting instructions with valgrind's callgrind: deterministic, unlike time on a shared machine.

``callgrind(out)`` is the command prefix that runs a program under callgrind (``%p`` in ``out``
becomes each process's id, so forked children write files of their own); ``instructions(file)``
reads the total a run wrote.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

TOTAL = re.compile(r"^(?:summary|totals):\s+(\d+)", re.M)


def callgrind(out: Path, *, trace_children: bool = False) -> list[str]:
    """``valgrind --tool=callgrind`` writing its counts to ``out``, ahead of the program's own command."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (Debian package valgrind; `make bench` installs it)")
    return [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
            *(["--trace-children=yes"] if trace_children else [])]


def instructions(out_file: Path) -> int:
    """Instructions executed (Ir) by the process that wrote ``out_file``."""
    match = TOTAL.search(out_file.read_text(errors="replace"))
    if match is None:
        raise RuntimeError(f"{out_file} holds no callgrind total (did the process exit cleanly?)")
    return int(match.group(1))


def instructions_by_pid(directory: Path, prefix: str) -> dict[int, int]:
    """``{pid: instructions}`` of every ``<prefix>.<pid>`` file callgrind wrote in ``directory``."""
    return {int(path.name.rsplit(".", 1)[1]): instructions(path)
            for path in directory.glob(f"{prefix}.*") if path.name.rsplit(".", 1)[1].isdigit()}
