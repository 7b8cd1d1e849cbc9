"""The ``jianggao`` command line: one function per subcommand, JSON (UTF-8, ensure_ascii=False) at the edge.

Errors go to stderr as one line with the next step to take, never a traceback for a user's mistake; the exit
status is 0 on success, 1 on a user error, 2 on bad usage (options that are wrong or do not go together).
"""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any, Sequence

from jianggao.indexer.config import ENV_AUTH, ENV_DEVICE, ENV_MODEL

log = logging.getLogger("jianggao")


class CliError(Exception):
    """A failure the user can fix; its message says how."""

    exit_code = 1


class UsageError(CliError):
    """Options that are wrong or do not go together (exit status 2, as argparse's own usage errors)."""

    exit_code = 2


class Parser(argparse.ArgumentParser):
    """argparse with its usage errors on one line (the full usage is one ``--help`` away)."""

    def error(self, message: str):  # noqa: ANN201 - argparse's signature
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def _whole_number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_int(text: str) -> int:
    value = _whole_number(text, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def port_number(text: str) -> int:
    value = _whole_number(text, "a port number")
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, got {value}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def emit_json(obj: Any, out=None) -> None:
    out = out or sys.stdout
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def speech_summary(speech, n_chunks: int) -> dict[str, Any]:
    from jianggao.indexer.identity import speech_label

    return {
        "id": speech.id,
        "title": speech.title,
        "page_title": speech.page_title,
        "source": speech.source,
        "order": speech.order,
        "start": speech.start,
        "end": speech.end,
        "meta": {**speech.meta.fields(), "origin": speech.meta.origin,
                 "spans": {k: list(v) for k, v in speech.meta.spans.items()}},
        "label": speech_label(speech),
        "chars": len(speech.text),
        "chunks": n_chunks,
        "canonical_id": speech.canonical_id,
        "copies": speech.copies,
    }


def find_speech(speeches, key: str):
    exact = [s for s in speeches if s.id == key]
    if exact:
        return exact[0]
    prefix = [s for s in speeches if s.id.startswith(key)]
    if len(prefix) == 1:
        return prefix[0]
    if prefix:
        raise CliError(f"speech id {key!r} is ambiguous: {', '.join(s.id for s in prefix[:5])} …; give more characters")
    raise CliError(f"no speech with id {key!r}; list the ids with `jianggao speeches`")


def cmd_speeches(args: argparse.Namespace) -> int:
    from jianggao.indexer.config import default_sources
    from jianggao.indexer.corpus import build_corpus

    corpus = build_corpus([Path(p) for p in args.paths] or default_sources())
    for err in corpus.errors:
        print(f"warning: skipped {err}", file=sys.stderr)
    per_speech: dict[str, int] = {}
    for c in corpus.chunks:
        per_speech[c.speech_id] = per_speech.get(c.speech_id, 0) + 1
    if args.show:
        s = find_speech(corpus.speeches, args.show)
        if args.json:
            emit_json({**speech_summary(s, per_speech.get(s.id, 0)), "text": s.text})
        else:
            print(f"# {s.title}\n({s.source} · {s.id})\n")
            print(s.text)
        return 0
    rows = [speech_summary(s, per_speech.get(s.id, 0)) for s in corpus.speeches]
    if args.json:
        for r in rows:
            emit_json(r)
        return 0
    for r in rows:
        dup = f"  = {r['canonical_id']}" if r["canonical_id"] else ""
        meta = " ".join(f"{k}:{'、'.join(v) if isinstance(v, list) else v}" for k, v in r["meta"].items()
                        if v and k != "spans")
        print(f"{r['id']}  {r['source']}#{r['order']}  {r['chars']:>6}字 {r['chunks']:>3}块  {r['title']}{dup}")
        if meta or r["page_title"] != r["title"]:
            print(f"    页面标题: {r['page_title']}  {meta}")
    n_dup = sum(1 for r in rows if r["canonical_id"])
    print(f"\n{len(rows)} speeches ({len(rows) - n_dup} distinct, {n_dup} copies) in {len(corpus.documents)} files",
          file=sys.stderr)
    return 0


def store_of(args: argparse.Namespace) -> str | None:
    """The checked ``--store`` value (None: $JIANGGAO_STORE or faiss)."""
    from jianggao.indexer.store_api import parse_store

    try:
        parse_store(args.store)
    except ValueError as e:
        raise CliError(str(e)) from None
    return args.store


def index_dir_of(args: argparse.Namespace) -> Path:
    from jianggao.indexer.config import default_index_dir

    return Path(args.index_dir) if args.index_dir else default_index_dir()


def check_model(model: str | None) -> None:
    """A model given as a folder (``--model`` or ``$JIANGGAO_MODEL``) must exist before any work starts.

    Names that are not paths (a hub id such as ``org/name``) are left to the encoder, whose load error is caught
    in ``main``; no model given means the bundled m3e-small, whose absence the encoder reports with its install
    hint."""
    given = model if model is not None else os.environ.get(ENV_MODEL, "")
    name = given.strip()
    if not name:
        return
    where = "--model" if model is not None else f"${ENV_MODEL}"
    path = Path(name).expanduser()
    looks_like_path = path.is_absolute() or name.startswith((".", "~")) or path.exists()
    if not looks_like_path:
        return
    if not path.is_dir():
        raise CliError(
            f"{where} {name}: no such model folder; give the folder of a sentence-transformers model, "
            f"or leave {where} unset to use the bundled m3e-small"
        )
    if not any((path / f).is_file() for f in ("config.json", "modules.json")):
        raise CliError(f"{where} {name}: not a model folder (no config.json in it); give a sentence-transformers model folder")


def check_device(device: str) -> None:
    """An explicit GPU device must exist: say so now, not after loading the corpus."""
    if device not in ("cuda", "mps"):
        return
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise CliError("--device cuda: torch sees no CUDA GPU here (or it is a CPU-only build); use --device cpu or auto")
    mps = getattr(torch.backends, "mps", None)
    if device == "mps" and not (mps and mps.is_available()):
        raise CliError("--device mps: torch sees no Apple GPU here; use --device cpu or auto")


def check_engine_options(args: argparse.Namespace) -> None:
    check_model(args.model)
    check_device(args.device)


def make_encoder(args: argparse.Namespace):
    from jianggao.indexer.embedding import Encoder

    return Encoder(args.model, device=args.device)


def warn_about(report) -> None:
    """The build report's per-file problems on stderr, one line each."""
    for err in report.errors:
        print(f"warning: skipped {err}", file=sys.stderr)
    for err in report.no_speech:  # loaded, but nothing in it looks like a speech
        print(f"warning: {err}", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    from jianggao.indexer.build import IndexBusyError, build_index
    from jianggao.indexer.store import StoreError
    from jianggao.indexer.store_api import open_backend

    from jianggao.indexer.config import default_sources

    check_engine_options(args)
    index_dir = index_dir_of(args)
    try:
        store = store_of(args)
        if store is not None and store != "faiss" and (args.add or args.segmented):
            raise CliError("--add and --segmented are for the FAISS store; leave them out with --store milvus…")
        if store is not None and store != "faiss":
            report = build_index(
                [Path(p) for p in args.paths] or default_sources(),
                index_dir,
                encoder=make_encoder(args),
                rebuild=args.rebuild,
                lock_wait=args.wait,
                progress=not args.json and sys.stderr.isatty(),
                backend=open_backend(store, index_dir),
            )
        elif args.add:  # scale path: add these files as one segment, without reading the rest of the library
            from jianggao.indexer.segbuild import add_files, is_segmented

            if not is_segmented(index_dir) or not args.paths:
                raise CliError(f"--add needs files and a segmented index in {index_dir}; "
                               "create one with `jianggao index --segmented FOLDER`")
            encoder = make_encoder(args)
            encoder.encode(["。"])  # model load + first-call set-up: start-up, so the report's seconds are the add's
            report = add_files(index_dir, encoder, [Path(p) for p in args.paths], lock_wait=args.wait)
        else:
            from jianggao.indexer.segbuild import update_index  # build_index, or the segmented update

            report = update_index(
                [Path(p) for p in args.paths] or default_sources(),
                index_dir,
                encoder=make_encoder(args),
                rebuild=args.rebuild,
                lock_wait=args.wait,
                progress=not args.json and sys.stderr.isatty(),
                index_type="segmented" if args.segmented else "auto",
            )
    except IndexBusyError as e:
        raise CliError(str(e)) from None
    except StoreError as e:
        raise CliError(f"{e}") from None
    warn_about(report)
    if args.json:
        emit_json(report.to_json())
    elif report.nothing_to_do:
        print(f"index {index_dir} is up to date ({report.speeches} speeches, {report.chunks} chunks)")
    else:
        print(
            f"indexed {report.speeches} speeches, {report.chunks} chunks into {index_dir} in {report.seconds:.1f}s: "
            f"{len(report.added)} files added, {len(report.changed)} changed, {len(report.removed)} removed, "
            f"{report.embedded} passages embedded, {report.cached} from cache"
        )
    return 0


def open_retriever(args: argparse.Namespace):
    """The index of ``--index-dir`` with its encoder; one model load per process."""
    from jianggao.indexer.store import StoreError
    from jianggao.qa.retrieval import Retriever

    check_engine_options(args)
    index_dir = index_dir_of(args)
    store = store_of(args)
    try:
        return Retriever.open(index_dir, model=args.model, device=args.device, store_spec=store)
    except StoreError as e:
        if (store or os.environ.get("JIANGGAO_STORE", "faiss")) == "faiss" and not index_dir.exists():  # the usual first-run mistake: name the command that builds this very folder
            build = "jianggao index" + (f" --index-dir {index_dir}" if args.index_dir else "")
            raise CliError(f"no index folder {index_dir}: build the index first with `{build}`") from None
        raise CliError(str(e)) from None


def read_queries(path: str) -> list[dict[str, Any]]:
    """Lines of ``{"id": ..., "query": ...}``; a bad line is an error naming its line number."""
    items = []
    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as e:
        raise CliError(f"cannot read queries file {path}: {e.strerror}") from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise CliError(f"{path}:{n}: not JSON ({e.msg}); each line must be {{\"id\": ..., \"query\": ...}}")
            if not isinstance(obj, dict) or not isinstance(obj.get("query"), str):
                raise CliError(f"{path}:{n}: each line needs a string \"query\" (and an \"id\")")
            items.append({"id": obj.get("id", n), "query": obj["query"]})
    return items


def queries_of(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.queries:
        if args.query:
            raise CliError("give either a query or --queries FILE, not both")
        return read_queries(args.queries)
    if not args.query:
        raise CliError("give a query, or --queries FILE.jsonl with one {\"id\", \"query\"} per line")
    return [{"id": None, "query": " ".join(args.query)}]


def check_query(text: str) -> str:
    from jianggao.qa.retrieval import QueryError, validate_query

    try:
        return validate_query(text)
    except QueryError as e:
        raise CliError(str(e)) from None


def cmd_search(args: argparse.Namespace) -> int:
    items = queries_of(args)
    for it in items:
        it["query"] = check_query(it["query"])
    filters = filters_of(args)  # a bad filter is the user's mistake: say so before loading anything
    retriever = open_retriever(args)
    results = retriever.search_batch([it["query"] for it in items], k=args.k, mode=args.mode, filters=filters)
    for it, hits in zip(items, results):
        if args.json:
            emit_json({"id": it["id"], "query": it["query"], "results": [h.to_json() for h in hits]})
            continue
        print(f"# {it['query']}")
        if not hits:
            print("  (no results)")
        for h in hits:
            dup = f"  (也见于 {len(h.duplicates)} 篇: {', '.join(d.speech_id for d in h.duplicates)})" if h.duplicates else ""
            print(f"[{h.rank}] {h.score:.4f}  {h.title}  ({h.source} · {h.speech_id} {h.start}-{h.end}){dup}")
            print("    " + h.text.replace("\n", "\n    "))
    return 0


def auth_of(args: argparse.Namespace) -> tuple[str, str] | None:
    """``--auth USER:PASSWORD`` or ``$JIANGGAO_AUTH``, as Gradio's ``launch(auth=...)`` takes it; None if neither."""
    raw = args.auth if args.auth is not None else os.environ.get(ENV_AUTH, "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user.strip() or not password:
        where = "--auth" if args.auth is not None else f"${ENV_AUTH}"
        raise UsageError(f"{where} must be USER:PASSWORD, both non-empty")
    return user.strip(), password


def check_port_free(host: str, port: int) -> None:
    """Refuse at once when ``host:port`` cannot be listened on (another server on it), before building anything."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise CliError(f"--host {host}: not an address of this machine ({e.strerror}); use 127.0.0.1 or 0.0.0.0") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server does: a closing port is free
        try:
            sock.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise CliError(
                    f"port {port} on {host} is already in use (another `jianggao serve`?); stop it or pick another "
                    "port with --port N"
                ) from None
            raise CliError(f"cannot listen on {host}:{port} ({e.strerror or e}); pick another --host or --port") from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the web interface; the index is built (or brought up to date) first, with progress on stderr."""
    from jianggao.indexer.build import IndexBusyError
    from jianggao.indexer.store import StoreError
    from jianggao.qa.engine import Engine

    auth = auth_of(args)
    if args.share and auth is None:
        # The app can upload and delete files: a public link without a password would let anyone do that.
        raise UsageError(f"--share publishes the app on a public link: also give --auth USER:PASSWORD (or set ${ENV_AUTH})")
    check_engine_options(args)
    check_port_free(args.host, args.port)
    try:
        engine = Engine(index_dir_of(args), Path(args.library) if args.library else None, args.model, args.device,
                        store=store_of(args))
    except StoreError as e:
        raise CliError(str(e)) from None
    verb = "updating" if engine.has_index() else "no index yet: building"
    folders = " + ".join(str(p) for p in engine.sources())
    print(f"{verb} {engine.index_dir} from {folders} …", file=sys.stderr, flush=True)
    try:
        report = engine.ensure_index(progress=True)
    except (IndexBusyError, StoreError) as e:
        raise CliError(str(e)) from None
    warn_about(report)
    print(f"index ready: {report.speeches} speeches, {report.chunks} chunks; starting the web interface …",
          file=sys.stderr, flush=True)
    from jianggao.ui.app import build_app

    launch: dict[str, Any] = {"server_name": args.host, "server_port": args.port, "share": args.share}
    if auth is not None:
        launch["auth"] = auth
    try:
        build_app(engine).launch(**launch)
    except OSError as e:  # the port was taken between the check and the launch
        raise CliError(f"cannot start the web server on {args.host}:{args.port} ({e}); pick another port with --port N") from None
    return 0


def filters_of(args: argparse.Namespace):
    from jianggao.qa.retrieval import Filters

    try:
        return Filters.of(getattr(args, "speech", None), getattr(args, "source", None), getattr(args, "place", None),
                          getattr(args, "year", None), getattr(args, "speaker", None))
    except ValueError as e:
        raise CliError(f"{e}; e.g. --year 2025") from None


def cmd_ask(args: argparse.Namespace) -> int:
    from jianggao.qa.answer import ask_batch
    from jianggao.qa.llm import make_client

    items = queries_of(args)
    for it in items:
        it["query"] = check_query(it["query"])
    try:
        llm = make_client(args.llm_url, args.llm_model, args.llm_key, args.llm_timeout)
    except ValueError as e:
        raise CliError(f"{e} (--llm-url or $JIANGGAO_LLM_URL)") from None
    filters = filters_of(args)  # a bad filter is the user's mistake: say so before loading anything
    retriever = open_retriever(args)
    answers = ask_batch(retriever, [it["query"] for it in items], k=args.k, mode=args.mode,
                        filters=filters, llm=llm)
    for it, a in zip(items, answers):
        if args.json:
            emit_json({"id": it["id"], "query": it["query"], **a.to_json()})
            continue
        print(f"# {it['query']}")
        for w in a.warnings:
            print(f"  注意：{w}")
        if a.answerable:
            print(f"答：{a.answer}")
            print(f"引用（置信度 {a.confidence:.2f}）：")
            _print_citations(a.citations)
        elif a.status == "partial" and a.citations:  # the message refers to these excerpts by their [n]
            print(f"{a.message}（置信度 {a.confidence:.2f}）")
            _print_citations(a.citations)
        else:
            print(f"{a.message or '资料中没有找到足够依据。'}（置信度 {a.confidence:.2f}）")
            for h in a.closest:
                print(f"  #{h.rank} 《{h.title}》（{h.source} · {h.speech_id} 第{h.start}-{h.end}字）")
                print("      " + h.text.replace("\n", "\n      "))
        print()
    return 0


def _print_citations(citations) -> None:
    for c in citations:
        print(f"  [{c.n}] 《{c.title}》（{c.source} · {c.speech_id} 第{c.start}-{c.end}字）")
        print("      " + c.text.replace("\n", "\n      "))


def cmd_similar(args: argparse.Namespace) -> int:
    from jianggao.qa.retrieval import QueryError, validate_query
    from jianggao.qa.similar import MAX_TEXT_CHARS, SimilarQuery, similar_batch

    if args.chunk:
        if args.query or args.queries:
            raise CliError("give either --chunk ID or a text (or --queries FILE), not both")
        items = [{"id": None, "query": None, "chunk_id": c} for c in args.chunk]
    else:
        items = queries_of(args)
        for it in items:
            try:
                it["query"] = validate_query(it["query"], max_chars=MAX_TEXT_CHARS)
            except QueryError as e:
                raise CliError(str(e)) from None
    filters = filters_of(args)  # a bad filter is the user's mistake: say so before loading anything
    retriever = open_retriever(args)
    queries = [SimilarQuery(chunk_id=it["chunk_id"]) if it.get("chunk_id") else SimilarQuery(text=it["query"])
               for it in items]
    try:
        results = similar_batch(retriever, queries, k=args.k, mode=args.mode, filters=filters)
    except KeyError as e:
        raise CliError(str(e.args[0]) if e.args else str(e)) from None
    for it, hits in zip(items, results):
        if args.json:
            row = {"id": it["id"], "query": it["query"], "results": [h.to_json() for h in hits]}
            if it.get("chunk_id"):
                row["chunk_id"] = it["chunk_id"]
            emit_json(row)
            continue
        label = f"段落 {it['chunk_id']}" if it.get("chunk_id") else it["query"][:60]
        print(f"# 与「{label}」相似的段落")
        if not hits:
            print("  （没有找到）")
        for h in hits:
            also = f"  （也见于 {len(h.duplicates)} 篇：{'、'.join(d.speech_id for d in h.duplicates)}）" if h.duplicates else ""
            print(f"[{h.rank}] {h.score:.4f}  《{h.title}》（{h.source} · {h.chunk_id}）{also}")
            print("    " + h.text.replace("\n", "\n    "))
        print()
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from jianggao.qa.compare import compare_batch

    items = queries_of(args)
    for it in items:
        it["query"] = check_query(it["query"])
    filters = filters_of(args)  # a bad filter is the user's mistake: say so before loading anything
    retriever = open_retriever(args)
    results = compare_batch(retriever, [it["query"] for it in items], max_speeches=args.max_speeches,
                            passages_per_speech=args.passages, mode=args.mode, filters=filters)
    for it, cmp in zip(items, results):
        if args.json:
            emit_json({"id": it["id"], "query": it["query"], **cmp.to_json()})
            continue
        print(f"# 专题「{cmp.topic}」：{len(cmp.speeches)} 篇讲话谈到")
        for i, s in enumerate(cmp.speeches, 1):
            copies = f"（另有 {len(s.copies)} 份副本：{'、'.join(s.copies)}）" if s.copies else ""
            print(f"\n{i}. {s.label or s.title}  《{s.title}》 相关度 {s.score:.2f}  {s.source} · {s.speech_id}{copies}")
            if s.keywords:
                print(f"   关键词：{'、'.join(s.keywords)}")
            for p in s.passages:
                print(f"   - [{p.start}-{p.end}] " + p.text.replace("\n", " ")[:200])
        if cmp.shared_points:
            print("\n共同要点：")
            for pt in cmp.shared_points:
                print(f"  · {pt.text}（{len(pt.speeches)} 篇：{'、'.join(pt.speeches)}）")
        if cmp.distinctive:
            print("\n各自独有：")
            for sid, ps in cmp.distinctive.items():
                print(f"  {sid}：{len(ps)} 段，如「{ps[0].text.replace(chr(10), ' ')[:60]}…」")
        print()
    return 0


def add_engine_options(p: argparse.ArgumentParser) -> None:
    from jianggao.indexer.store_api import STORE_HELP

    p.add_argument("--index-dir", help="index folder (default: $JIANGGAO_INDEX_DIR or data/index)")
    p.add_argument("--store", metavar="faiss|milvus:PATH.db|milvus://HOST:PORT", help=STORE_HELP)
    p.add_argument("--model", help="sentence-transformers model folder or name (default: m3e-small, or $JIANGGAO_MODEL)")
    p.add_argument("--device", default=os.environ.get(ENV_DEVICE, "auto"), choices=["auto", "cpu", "cuda", "mps"],
                   help="where the model runs (default: $JIANGGAO_DEVICE or auto: a GPU when present)")


def add_query_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="*", help="the query text")
    p.add_argument("--queries", metavar="FILE.jsonl", help="batch: one {\"id\", \"query\"} per line ('-' for stdin)")
    p.add_argument("--json", action="store_true", help="one JSON object per query")


def add_retrieval_options(p: argparse.ArgumentParser) -> None:
    from jianggao.qa.retrieval import MODES

    p.add_argument("--mode", default="hybrid", choices=MODES, help="hybrid (default), dense or keyword")
    p.add_argument("--speech", action="append", metavar="ID", help="only these speeches (repeatable)")
    p.add_argument("--source", action="append", metavar="FILE", help="only these source files (repeatable)")
    p.add_argument("--place", metavar="NAME", help="only speeches whose place/body/title names this (e.g. 上海)")
    p.add_argument("--year", metavar="YYYY", help="only speeches dated in this year")
    p.add_argument("--speaker", metavar="NAME", help="only speeches by this speaker")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="jianggao", description="Search and question answering over Chinese speeches.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    sp = sub.add_parser("speeches", help="list the speeches found in files (default: data/speeches + the library)")
    sp.add_argument("paths", nargs="*", help="files or folders")
    sp.add_argument("--show", metavar="ID", help="print one cleaned speech")
    sp.add_argument("--json", action="store_true", help="one JSON object per line")
    sp.set_defaults(func=cmd_speeches)

    sp = sub.add_parser("index", help="build or update the index (default: data/speeches + the library, "
                                      "$JIANGGAO_LIBRARY_DIR or data/library)")
    sp.add_argument("paths", nargs="*", help="files or folders")
    sp.add_argument("--rebuild", action="store_true", help="start over instead of updating")
    sp.add_argument("--wait", type=non_negative_float, default=30.0, help="seconds to wait for another index run (default 30)")
    sp.add_argument("--json", action="store_true", help="print what was done as JSON")
    # Scale path (jianggao.indexer.segbuild): libraries of 100k+ passages grow by segments, nothing is rebuilt.
    sp.add_argument("--segmented", action="store_true",
                    help="build a segmented index (large libraries: added files become new segments)")
    sp.add_argument("--add", action="store_true",
                    help="add or replace only the given files in a segmented index, without reading the rest")
    add_engine_options(sp)
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("search", help="find passages")
    add_query_options(sp)
    sp.add_argument("-k", type=positive_int, default=10, help="number of results (default 10)")
    add_retrieval_options(sp)
    add_engine_options(sp)
    sp.set_defaults(func=cmd_search)

    sp = sub.add_parser("serve", help="start the web interface (builds the index first if there is none)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0: all)")
    sp.add_argument("--port", type=port_number, default=7860, help="port (default 7860)")
    sp.add_argument("--share", action="store_true",
                    help="also publish a public gradio.live link (off by default; needs --auth)")
    sp.add_argument("--auth", metavar="USER:PASSWORD",
                    help=f"ask for this login (default ${ENV_AUTH}, which keeps the password out of the process list)")
    sp.add_argument("--library", metavar="DIR",
                    help="your library: uploads go to DIR/uploads and only its files can be deleted (default "
                         "$JIANGGAO_LIBRARY_DIR or data/library, indexed with the read-only bundled data/speeches; "
                         "a DIR given here is indexed alone)")
    add_engine_options(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("ask", help="answer a question with citations from the speeches")
    add_query_options(sp)
    sp.add_argument("-k", type=positive_int, default=8, help="passages read per search list (default 8)")
    add_retrieval_options(sp)
    sp.add_argument("--llm-url", metavar="URL",
                    help="OpenAI-compatible endpoint for written answers, e.g. http://127.0.0.1:8000/v1 "
                         "(default $JIANGGAO_LLM_URL; none: extractive answers)")
    sp.add_argument("--llm-model", metavar="NAME", help="model name sent to the endpoint ($JIANGGAO_LLM_MODEL)")
    sp.add_argument("--llm-key", metavar="KEY", help="API key for the endpoint ($JIANGGAO_LLM_KEY)")
    sp.add_argument("--llm-timeout", type=float, default=None, metavar="S", help="seconds to wait for it (default 60)")
    add_engine_options(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("similar", help="find passages similar to a text or to an indexed passage")
    add_query_options(sp)
    sp.add_argument("--chunk", action="append", metavar="ID", help="an indexed passage id (repeatable)")
    sp.add_argument("-k", type=positive_int, default=10, help="number of results (default 10)")
    add_retrieval_options(sp)
    add_engine_options(sp)
    sp.set_defaults(func=cmd_similar)

    sp = sub.add_parser("compare", help="compare how the speeches treat a topic")
    add_query_options(sp)
    sp.add_argument("--max-speeches", type=positive_int, default=10, help="speeches to compare (default 10)")
    sp.add_argument("--passages", type=positive_int, default=3, help="passages shown per speech (default 3)")
    add_retrieval_options(sp)
    add_engine_options(sp)
    sp.set_defaults(func=cmd_compare)
    return p


def user_error(e: Exception) -> str | None:
    """The message of an exception that is the user's to fix (the model cannot be found or loaded), else None.

    Matched by name among the project's own exception classes, so that the CLI does not import the encoder's module
    (and torch) just to name them, and keeps working wherever those classes live."""
    for cls in type(e).__mro__:
        if cls.__name__ in ("ModelNotFoundError", "ModelLoadError") and cls.__module__.startswith("jianggao."):
            return str(e).replace("\n", " ")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except CliError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        message = user_error(e)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
