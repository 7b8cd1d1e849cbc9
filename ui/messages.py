"""What the user reads when something goes wrong: an error from the page or the engine, in Chinese.

The engine's errors are typed (``QueryError`` with a ``reason``, ``UploadError``); this module words them for
the page, so the handlers do not repeat the engine's checks to be able to explain them.
"""
from __future__ import annotations

import logging

from jianggao.qa.engine import ReadOnlySourceError, UploadError
from jianggao.qa.retrieval import QueryError
from jianggao.ui.checks import UiError

log = logging.getLogger(__name__)

INTERNAL_ERROR = "处理时出错了，请稍后再试；如果问题持续，请联系管理员查看服务器日志。"


def query_message(error: QueryError, what: str = "问题") -> str:
    """A QueryError in Chinese; ``what`` names the input box (问题, 专题, 一段文字)."""
    reason = getattr(error, "reason", None)
    if reason in ("empty", "not_text"):
        return f"请先输入{what}。"
    if reason == "too_long":
        return f"输入有 {error.length} 个字，超过了 {error.limit} 字的上限，请缩短后再试。"
    if reason == "no_words":
        return "输入里没有文字或数字，请输入要查找的内容。"
    return f"无法查询：{error}"


def user_message(error: Exception, what: str = "问题") -> str:
    """The Chinese message for any failure; unexpected ones are logged with their traceback and shown as
    INTERNAL_ERROR, never with their details."""
    if isinstance(error, UiError):
        return str(error)
    if isinstance(error, QueryError):
        return query_message(error, what)
    if isinstance(error, ReadOnlySourceError):
        return f"无法删除：“{error.source}”属于自带文库（只读），只能删除上传的文件。"
    if isinstance(error, UploadError):
        return f"上传被拒绝：{error}"
    log.exception("handler failed", exc_info=error)
    return INTERNAL_ERROR
