"""Named points of an index build, announced to whoever listens.

A build calls ``checkpoint(stage)`` as it passes each stage:

- ``embedding``: the texts to embed are known, nothing written yet (jianggao.indexer.build);
- ``embedded``: the embedding cache holds the new vectors, no index version written;
- ``writing``: a new index version is half written;
- ``written``: the new version is complete but not live yet;
- ``switched``: the new version is live, older ones not yet pruned.

Nobody listens in normal use, so a checkpoint costs one empty loop. Tests register a listener with
``on_checkpoint`` to stop a build at a known stage (tests/reliability/paused_cli.py runs the CLI with one, so
``jianggao index`` can be killed there); a progress display could listen the same way.
"""
from __future__ import annotations

import threading
from typing import Callable

STAGES = ("embedding", "embedded", "writing", "written", "switched")

Listener = Callable[[str], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def on_checkpoint(listener: Listener) -> Callable[[], None]:
    """Call ``listener(stage)`` at every checkpoint of this process; returns a function that stops it."""
    with _lock:
        _listeners.append(listener)

    def remove() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return remove


def checkpoint(stage: str) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown checkpoint {stage!r}; known: {', '.join(STAGES)}")
    for listener in list(_listeners):
        listener(stage)
