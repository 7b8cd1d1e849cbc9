"""Checks on what the page hands the handlers before the engine sees it: uploaded file sets.

Queries are not checked here: the engine's own ``validate_query`` decides, and ``jianggao.ui.messages`` words
its ``QueryError`` in Chinese. Uploads are checked here because the page can do better than the engine's first
error: it lists every problem of the set at once, by file name, before a single file is copied.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from jianggao.indexer.loaders import SUPPORTED_SUFFIXES
from jianggao.qa.engine import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, UploadError, safe_name

UPLOAD_TYPES = sorted(SUPPORTED_SUFFIXES)


class UiError(Exception):
    """A problem the user can fix; the message (Chinese) is shown in the page as is."""


def upload_items(files: Any) -> list[tuple[str, Path]]:
    """(original name, temp path) pairs from what gr.File passes: paths, or (name, path) pairs in tests."""
    items = []
    for f in files or []:
        if isinstance(f, (tuple, list)):
            items.append((str(f[0]), Path(f[1])))
        else:
            path = Path(getattr(f, "name", f))  # a path string, or a tempfile-like object
            items.append((getattr(f, "orig_name", None) or path.name, path))
    return items


def upload_problems(items: Sequence[tuple[str, Path]]) -> list[str]:
    """Everything wrong with a set of uploads, in Chinese; empty when all can go in."""
    if not items:
        return ["请先选择要上传的文件。"]
    problems = []
    if len(items) > MAX_UPLOAD_FILES:
        problems.append(f"一次最多上传 {MAX_UPLOAD_FILES} 个文件，这次选择了 {len(items)} 个，请分批上传。")
    seen: set[str] = set()
    for name, path in items:
        try:
            clean = safe_name(name)
        except UploadError:
            problems.append(f"“{name}”不是可用的文件名，请改名后再上传。")
            continue
        if Path(clean).suffix.lower() not in SUPPORTED_SUFFIXES:
            problems.append(f"“{clean}”的类型不受支持；可以上传 {'、'.join(UPLOAD_TYPES)} 文件。")
            continue
        if clean in seen:
            problems.append(f"“{clean}”选择了两次。")
        seen.add(clean)
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"“{clean}”没有上传成功，请重新选择该文件。")
            continue
        if size == 0:
            problems.append(f"“{clean}”是空文件。")
        elif size > MAX_UPLOAD_BYTES:
            problems.append(
                f"“{clean}”有 {size / 2**20:.1f} MB，超过了 {MAX_UPLOAD_BYTES // 2**20} MB 的上限。"
            )
    return problems
