"""The ``jianggao`` command with a pause at one build checkpoint, for tests that kill it at a known point.

    python paused_cli.py STAGE RESUME_FILE [jianggao arguments ...]

At checkpoint STAGE (jianggao.indexer.checkpoints) it logs "test pause at stage STAGE (pid N)" to stderr and
waits until RESUME_FILE exists ('-': never), at most 10 minutes, then goes on. Not part of the product:
the hook is registered here, in the test's process, never by the installed command.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

PAUSE_LIMIT_S = 600.0


def pause_at(stage: str, resume: Path | None):
    def listener(reached: str) -> None:
        if reached != stage:
            return
        print(f"test pause at stage {stage} (pid {os.getpid()})", file=sys.stderr, flush=True)
        deadline = time.monotonic() + PAUSE_LIMIT_S
        while time.monotonic() < deadline and not (resume is not None and resume.exists()):
            time.sleep(0.05)

    return listener


def main(argv: list[str]) -> int:
    from jianggao.indexer.checkpoints import STAGES, on_checkpoint
    from jianggao.ui.cli import main as cli_main

    stage, resume, rest = argv[0], argv[1], argv[2:]
    if stage not in STAGES:
        raise SystemExit(f"unknown stage {stage!r}; known: {', '.join(STAGES)}")
    on_checkpoint(pause_at(stage, None if resume == "-" else Path(resume)))
    return cli_main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
