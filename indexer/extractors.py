"""File contents to text, by format: HTML, Word (.docx) and PDF (text layer); plain text is only decoded.

Pure: bytes in, text out (``extract_text``), or :class:`LoaderError` saying what is wrong and what to do. The
byte-level decoding (encodings) is ``jianggao.indexer.decoding``; walking folders and reading files is
``jianggao.indexer.loaders``. HTML goes through one function, ``markup_to_text`` (BeautifulSoup with lxml), both for
.html files and for the stray markup of scraped pages saved as text (``strip_markup``, used by cleaning).
"""
from __future__ import annotations

import io
import logging
import re
import warnings
from functools import lru_cache
from typing import Literal

from jianggao.indexer.decoding import Decoded, LoaderError, decode_html, decode_text

log = logging.getLogger(__name__)

Format = Literal["text", "markdown", "html", "docx", "pdf"]

#: The one registry of supported suffixes (lower case) and how each is read.
FORMATS: dict[str, Format] = {
    ".txt": "text",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(FORMATS)
SUPPORTED_LIST = ", ".join(sorted(SUPPORTED_SUFFIXES))

_DROPPED_TAGS = ("script", "style", "noscript", "template", "head")
_VERBATIM_TAGS = frozenset({"pre", "textarea"})
_BLOCK_TAGS = sorted(
    """address article aside blockquote caption center dd details dialog dir div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li main menu nav ol p
    pre section summary table tbody td tfoot th thead title tr ul body html""".split()
)
_DROPPED_TAGS_IN_TEXT = ("script", "style", "noscript", "template")
_BLOCK_TAGS_IN_TEXT = [t for t in _BLOCK_TAGS if t not in ("html", "body")]
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses ASCII whitespace only (not U+3000)


def _parse(markup: str):
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


def markup_to_text(markup: str, *, document: bool = True) -> str:
    """The text of HTML markup, one line per block element, inline markup joined: the project's one HTML path.

    script/style/noscript/template are dropped, comments and attributes (onerror=...) are never text, entities are
    unescaped, ``<br>`` and block elements break lines.

    ``document=True`` (an .html file): the <head> is dropped too, whitespace collapses as a browser would (except
    inside <pre>/<textarea>), lines are stripped and blank ones dropped.
    ``document=False`` (plain text with stray markup, as scraped pages saved as .txt have): the text between the
    tags keeps its own line breaks and spacing, so that line-based cleaning still sees the lines it was given.
    """
    return _render(_parse(markup), document)


def _render(soup, document: bool) -> str:
    """markup_to_text on a parsed page (the soup is consumed: tags are removed and replaced)."""
    from bs4 import NavigableString

    for tag in soup.find_all(_DROPPED_TAGS if document else _DROPPED_TAGS_IN_TEXT):
        if not tag.decomposed:
            tag.decompose()
    if document:
        # Collapse source whitespace first, so that the line breaks added below survive it.
        for s in list(soup.find_all(string=True)):
            if type(s) is not NavigableString or any(p.name in _VERBATIM_TAGS for p in s.parents):
                continue
            collapsed = _HTML_SPACE.sub(" ", s)
            if collapsed != s:
                s.replace_with(collapsed)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    # In text mode the <html>/<body> the parser wraps around a fragment are not the author's: no breaks for them.
    for tag in soup.find_all(_BLOCK_TAGS if document else _BLOCK_TAGS_IN_TEXT):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = soup.get_text()
    if not document:
        return text
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_text(markup: str) -> str:
    """Visible text of an HTML document (``markup_to_text`` in document mode)."""
    return markup_to_text(markup, document=True)


# The site's name after a page's <title>: "某某在…上的讲话 - 某县纪委监委", "… _ 某某市人民政府".
_TITLE_SEPARATORS = re.compile(r"\s+[-_|—–]+\s+|\s*[|｜]\s*")


def page_titles(soup) -> list[str]:
    """A parsed page's own titles: the text of its <h1> headings, then the parts of its <title> (site name split
    off)."""
    out = [h.get_text(" ", strip=True) for h in soup.find_all("h1")]
    if soup.title is not None:
        out += [p.strip() for p in _TITLE_SEPARATORS.split(soup.title.get_text())]
    return [t for t in out if t]


def markdown_text(source: str) -> str:
    """A Markdown file's text: heading and emphasis markers rendered away (markdown-it, CommonMark), each source
    line still a line (soft breaks kept as breaks: a speech saved as .md has a paragraph a line). Lists are not
    parsed: a speech's own numbering (1. / 2.) is its text, which a rendered list would drop."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"breaks": True, "html": False}).enable("table").disable("list")
    return html_text(md.render(source))


def web_page_text(markup: str) -> str:
    """An .html file's text: its article and the article's header, without the site's chrome (webpage.py)."""
    from jianggao.indexer.webpage import article_text

    soup = _parse(markup)  # parsed once: its titles are read before rendering consumes the <head>
    titles = page_titles(soup)
    return article_text(markup, _render(soup, document=True), titles)


# Something a parser would treat as markup: a tag, comment or declaration opening, or a character reference.
# Plain text with none of these (``浓度<35微克``, ``R&D``) is returned as it is, without parsing.
_MARKUP = re.compile(r"<[a-z!/?]|&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});|&nbsp", re.I)


def strip_markup(text: str) -> str:
    """Plain text with any stray HTML in it turned to text (``markup_to_text`` in text mode); unchanged if none."""
    if not _MARKUP.search(text):
        return text
    return markup_to_text(text, document=False)


def docx_to_text(data: bytes) -> str:
    """Paragraphs and table-cell paragraphs of a .docx, in document order, one per line."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception as e:
        raise LoaderError(
            f"not a valid .docx (truncated or corrupt?): {type(e).__name__}: {e}; "
            "re-save it from Word, or save an old .doc as .docx"
        ) from None

    lines: list[str] = []

    def walk(container) -> None:  # Document body or a table cell
        for block in container.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                # Merged cells come back once per grid position. Keyed by id() of the XML element,
                # kept alive in the dict so that lxml hands back the same proxy (and id) each time.
                seen: dict[int, object] = {}
                for row in block.rows:
                    for cell in row.cells:
                        if id(cell._tc) not in seen:
                            seen[id(cell._tc)] = cell._tc
                            walk(cell)

    try:
        walk(document)
    except Exception as e:
        raise LoaderError(
            f"could not read the text of this .docx ({type(e).__name__}: {e}); "
            "re-save it from Word or export it as UTF-8 text"
        ) from None
    return "\n".join(lines)


@lru_cache(maxsize=1)
def _quiet_pypdf() -> None:
    """pypdf logs notes on damaged files ("EOF marker not found") that do not say which file; the LoaderError
    raised here does, so those notes stay out of the user's way (unless a level was set for pypdf)."""
    logger = logging.getLogger("pypdf")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)


def pdf_to_text(data: bytes) -> str:
    """Text layer of a PDF, pages joined by newlines."""
    from pypdf import PdfReader

    _quiet_pypdf()
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoaderError("the PDF is password-protected; remove the password and try again")
        pages = list(reader.pages)
    except LoaderError:
        raise
    except Exception as e:
        raise LoaderError(
            f"not a valid PDF (truncated or corrupt?): {type(e).__name__}: {e}; "
            "download or export it again"
        ) from None
    if not pages:
        raise LoaderError("the PDF has no pages")
    texts: list[str] = []
    failed: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception:
            log.warning("PDF page %d: text extraction failed", number, exc_info=True)
            failed.append(number)
    if len(failed) == len(pages):
        raise LoaderError("could not extract text from any page of the PDF (corrupt?)")
    if failed:
        log.warning("PDF: pages %s could not be read and are missing from the text", failed)
    if not any(t.strip() for t in texts):
        raise LoaderError(
            "the PDF has no text layer: it is probably scanned; run OCR on it first "
            "(e.g. `ocrmypdf -l chi_sim+chi_tra in.pdf out.pdf`) and load the result"
        )
    return "\n".join(texts)


def extract_text(data: bytes, fmt: Format) -> Decoded:
    """Text of a file's bytes in the given format (pure; raises :class:`LoaderError`)."""
    if fmt == "text":
        return decode_text(data)
    if fmt == "markdown":
        decoded = decode_text(data)
        return decoded._replace(text=markdown_text(decoded.text))
    if fmt == "html":
        text, enc, replaced = decode_html(data)
        return Decoded(web_page_text(text), f"html/{enc}", replaced)
    if fmt == "docx":
        return Decoded(docx_to_text(data), "docx")
    if fmt == "pdf":
        return Decoded(pdf_to_text(data), "pdf")
    raise ValueError(f"unknown format {fmt!r}; valid: {sorted(set(FORMATS.values()))}")
