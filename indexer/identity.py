"""Speech identity: what tells one speech apart from another.

PLACEHOLDER (ui branch): only ``speech_label`` with the signature agreed in the shared contract, so that the
web front end can be built against it. The identity work (issue 11, indexer side) replaces this module whole.
"""
from __future__ import annotations

from typing import Any

SEPARATOR = " · "


def speech_label(speech: Any) -> str:
    """A short label that tells a speech apart, from its metadata: place (or body) with the meeting, else with
    date and speaker, e.g. "紫阳县 · 脱贫攻坚工作会议" or "上海市 · 2025-01-15 · 龚正"; the title when the metadata
    says too little. Fields are read by name and may be missing or empty."""
    meta = getattr(speech, "meta", None)

    def field(name: str) -> str:
        return str(getattr(meta, name, None) or "").strip()

    where = field("place") or field("body")
    meeting = field("meeting")
    parts = [where, meeting] if meeting else [where, field("date"), field("speaker")]
    parts = [p for p in parts if p]
    title = str(getattr(speech, "title", "") or "").strip()
    if len(parts) >= 2:
        return SEPARATOR.join(parts)
    if parts and title:
        return SEPARATOR.join([parts[0], title])
    return title or (parts[0] if parts else str(getattr(speech, "id", "")))
