"""Load test of the web app: mixed API requests from concurrent users while a file is uploaded and indexed.

What it does, bounded in requests and in time, on loopback only:

1. copies an index folder and its library into a temporary folder (the user's ``data/index`` and
   ``data/speeches`` are only read; without an index there, the server builds one in the copy);
2. starts ``jianggao serve`` on a free 127.0.0.1 port against the copy, with its own Gradio temp folder;
3. asks every distinct query once, one at a time: the *before* baselines;
4. sends ``--requests`` requests, ``--concurrency`` at a time, through ``gradio_client`` to the named API
   endpoints (/ask, /similar, /compare in turn). Meanwhile one speech file goes through the 文库 tab's upload
   button exactly as a browser sends it (POST /gradio_api/upload, then that button's event on the Gradio
   queue): ``Handlers.upload`` -> ``Engine.add_files`` copies it into the library and re-indexes in the
   server process while the requests run. (There is no upload API endpoint on purpose: the app's public API
   is read-only, see README.)
5. asks every query again one at a time (*after*), and checks that the uploaded speech is searchable.

A request is correct when its answer equals the before or the after baseline of its query, compared on what
identifies it: the cited passages of an answer, the result passages of a similar search, the speeches of a
comparison; and a similar search for an indexed passage's text must return that passage first. Prints p50/p95
latency per kind, the error count and the wall time; writes ``bench-results/load.json``. Exit status 0 when
no request failed, every answer was correct and the upload succeeded; 1 otherwise; 2 for bad usage.

Usage: .venv/bin/python scripts/load_test.py [--index-dir data/index] [--library data/speeches]
           [--requests 200] [--concurrency 16] [--timeout 900] [--upload FILE] [--out bench-results/load.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # when imported from the tests
from benchutil import free_port, jianggao, pct  # noqa: E402

KINDS = ("ask", "similar", "compare")
UPLOAD_BUTTON = "jg-upload-go"  # elem_id of the 文库 tab's upload button (ui/app.py)
UPLOAD_OK = "已上传并更新索引"  # the status the upload handler shows on success
SIMILAR_TEXTS = 4
# The file uploaded during the load when --upload is not given: a short speech on a topic of its own.
UPLOAD_NAME = "load_test_shuzi_xiangcun.txt"
UPLOAD_PHRASE = "智慧农业示范园"
UPLOAD_TEXT = f"""在全县数字乡村建设推进会上的讲话
同志们：
今天召开全县数字乡村建设推进会，主要任务是总结前一阶段工作，部署下一步重点任务。今年以来，我们建成{UPLOAD_PHRASE}三处，带动周边农户发展设施农业，群众增收效果明显。
一要加快农村宽带网络建设，推动光纤和移动网络覆盖到所有行政村，为数字乡村打好基础。二要抓好{UPLOAD_PHRASE}的运营管理，建立专业团队，做好技术培训和农产品电商销售。
三要压实各级责任，乡镇党委书记是第一责任人，县直各部门要密切配合，形成工作合力，确保各项任务按期完成。谢谢大家！
"""


@dataclass
class Result:
    kind: str
    query: str
    seconds: float
    error: str = ""
    wrong: str = ""
    fingerprint: Any = None
    start: float = 0.0  # seconds since the load began
    end: float = 0.0


@dataclass
class UploadResult:
    file: str
    ok: bool = False
    seconds: float = 0.0
    message: str = ""
    searchable: bool = False
    start: float = 0.0  # seconds since the load began
    end: float = 0.0  # when the new index was live (the upload event completed)


@dataclass
class Queries:
    ask: list[str]
    similar: list[tuple[str, str]]  # (text of an indexed passage, its chunk id)
    compare: list[str]

    def of(self, kind: str) -> list[str]:
        return [t for t, _ in self.similar] if kind == "similar" else getattr(self, kind)


# -- the server -----------------------------------------------------------------------------------------------
def prepare(work: Path, index_dir: Path, library: Path) -> tuple[Path, Path]:
    """Private copies of the index (when there is one) and the library: the run writes only to these."""
    if not library.is_dir():
        raise SystemExit(f"error: library folder {library} does not exist; give --library DIR")
    lib_copy, index_copy = work / "library", work / "index"
    shutil.copytree(library, lib_copy, ignore=shutil.ignore_patterns("uploads"))
    if (index_dir / "CURRENT").exists():
        shutil.copytree(index_dir, index_copy, ignore=shutil.ignore_patterns(".lock"))
    else:
        print(f"no index in {index_dir}: the server builds one in the temporary copy (minutes)", file=sys.stderr)
    return index_copy, lib_copy


def start_server(work: Path, index_dir: Path, library: Path, port: int, extra: list[str]) -> subprocess.Popen:
    env = dict(os.environ, GRADIO_TEMP_DIR=str(work / "gradio"), GRADIO_ANALYTICS_ENABLED="False")
    log = open(work / "server.log", "wb")
    cmd = [*jianggao(), "serve", "--host", "127.0.0.1", "--port", str(port), "--index-dir", str(index_dir),
           "--library", str(library), *extra]
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_ready(proc: subprocess.Popen, base: str, work: Path, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{server_log(work)}")
        try:
            if httpx.get(f"{base}/config", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {timeout:.0f}s:\n{server_log(work)}")


def server_log(work: Path, chars: int = 4000) -> str:
    try:
        return (work / "server.log").read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no server log)"


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- requests and what identifies their answers -------------------------------------------------------------
def fingerprint(kind: str, out: dict[str, Any]) -> tuple:
    if kind == "ask":
        cited = tuple((c["speech_id"], c["start"], c["end"]) for c in out["citations"])
        return (out["answerable"], cited or tuple(h["chunk_id"] for h in out["closest"]))
    if kind == "similar":
        return tuple(h["chunk_id"] for h in out["results"])
    if kind == "compare":
        return tuple(s["speech_id"] for s in out["speeches"])
    return tuple(h["chunk_id"] for h in out["results"])  # search


def pick_similar_texts(index_dir: Path, n: int) -> list[tuple[str, str]]:
    """Texts of indexed passages with no copies elsewhere, spread over speeches: each must find itself first."""
    from jianggao.indexer.store import Store

    store = Store.load(index_dir)
    picked: list[tuple[str, str]] = []
    seen: set[str] = set()
    canonical = {s.id for s in store.speeches if s.canonical_id is None}
    step = max(1, len(store.chunks) // (4 * n))
    for i in range(0, len(store.chunks), step):
        c = store.chunks[i]
        if c.speech_id in canonical and c.speech_id not in seen and not store.chunk_duplicates[i] and len(c.text) >= 60:
            picked.append((c.text, c.id))
            seen.add(c.speech_id)
        if len(picked) == n:
            break
    return picked


class Caller:
    """One gradio_client.Client per worker thread (a client holds its own connection state)."""

    def __init__(self, base: str, timeout: float):
        self.base, self.timeout = base, timeout
        self._local = threading.local()

    def client(self):
        if getattr(self._local, "client", None) is None:
            from gradio_client import Client

            self._local.client = Client(self.base, verbose=False)
        return self._local.client

    def call(self, kind: str, query: str) -> tuple[float, dict[str, Any]]:
        client = self.client()
        t = time.perf_counter()
        out = client.submit(query, api_name=f"/{kind}").result(timeout=self.timeout)
        return time.perf_counter() - t, out


def baselines(caller: Caller, queries: Queries) -> dict[tuple[str, str], tuple]:
    found = {}
    for kind in KINDS:
        for q in queries.of(kind):
            _, out = caller.call(kind, q)
            found[(kind, q)] = fingerprint(kind, out)
    return found


def check_similar_first(queries: Queries, kind: str, query: str, fp: tuple) -> str:
    if kind != "similar":
        return ""
    chunk_id = dict(queries.similar)[query]
    return "" if fp and fp[0] == chunk_id else f"first result {fp[0] if fp else None}, not its source {chunk_id}"


# -- the upload, as the browser sends it -----------------------------------------------------------------------
def upload_through_ui(base: str, path: Path, timeout: float) -> UploadResult:
    import httpx

    result = UploadResult(file=path.name)
    t = time.perf_counter()
    with httpx.Client(base_url=base, timeout=timeout) as http:
        config = http.get("/config").json()
        button = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == UPLOAD_BUTTON)
        dep_index, dep = next((i, d) for i, d in enumerate(config["dependencies"]) if [button, "click"] in d["targets"])
        prefix = config.get("api_prefix", "/gradio_api")
        with open(path, "rb") as f:
            r = http.post(f"{prefix}/upload", files=[("files", (path.name, f, "application/octet-stream"))])
        r.raise_for_status()
        file_data = {"path": r.json()[0], "orig_name": path.name, "size": path.stat().st_size,
                     "meta": {"_type": "gradio.FileData"}}
        session = uuid.uuid4().hex
        r = http.post(f"{prefix}/queue/join", json={
            "data": [[file_data]], "fn_index": dep.get("id", dep_index), "trigger_id": button,
            "session_hash": session, "event_data": None,
        })
        r.raise_for_status()
        with http.stream("GET", f"{prefix}/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    status = (msg.get("output") or {}).get("data", [""])[0] if msg.get("success") else ""
                    result.message = str(status or msg.get("output"))
                    result.ok = bool(msg.get("success")) and UPLOAD_OK in result.message
                    break
    result.seconds = time.perf_counter() - t
    return result


# -- the run ------------------------------------------------------------------------------------------------------
def run_load(caller: Caller, queries: Queries, n: int, concurrency: int, deadline: float, upload_at: int,
             start_upload: Callable[[float], None]) -> tuple[list[Result], float]:
    """Send the ``n`` requests; the upload starts just before request ``upload_at`` is sent."""
    plan = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        texts = queries.of(kind)
        plan.append((kind, texts[(i // len(KINDS)) % len(texts)]))
    t0 = time.perf_counter()

    def one(i: int) -> Result:
        kind, query = plan[i]
        if i == upload_at:
            start_upload(t0)
        if time.monotonic() > deadline:
            return Result(kind, query, 0.0, error="not sent: time limit reached")
        start = time.perf_counter() - t0
        try:
            seconds, out = caller.call(kind, query)
        except Exception as e:  # noqa: BLE001 - every failure is counted and shown, whatever its type
            return Result(kind, query, 0.0, error=f"{type(e).__name__}: {e}"[:300], start=start,
                          end=time.perf_counter() - t0)
        return Result(kind, query, seconds, fingerprint=fingerprint(kind, out), start=start,
                      end=time.perf_counter() - t0)

    with ThreadPoolExecutor(concurrency, thread_name_prefix="user") as pool:
        results = list(pool.map(one, range(n)))
    return results, time.perf_counter() - t0


def summary(results: list[Result], upload: UploadResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in (*KINDS, "all"):
        rs = [r for r in results if kind in ("all", r.kind)]
        ok = [r.seconds * 1000 for r in rs if not r.error]
        out[kind] = {
            "requests": len(rs),
            "errors": sum(1 for r in rs if r.error),
            "wrong": sum(1 for r in rs if r.wrong),
            # overlapping the upload and re-index; in flight when the new index went live; sent after that
            "during_upload": sum(1 for r in rs if r.end > upload.start and (r.start < upload.end or not upload.ok)),
            "across_swap": sum(1 for r in rs if upload.ok and r.start < upload.end < r.end),
            "after_swap": sum(1 for r in rs if upload.ok and r.start >= upload.end),
            "p50_ms": round(pct(ok, 0.50), 1) if ok else None,
            "p95_ms": round(pct(ok, 0.95), 1) if ok else None,
            "max_ms": round(max(ok), 1) if ok else None,
            "mean_ms": round(statistics.fmean(ok), 1) if ok else None,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    from jianggao.indexer.config import DEFAULT_CORPUS, default_index_dir

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-dir", type=Path, default=default_index_dir(),
                    help="index to copy (default $JIANGGAO_INDEX_DIR or data/index); never written")
    ap.add_argument("--library", type=Path, default=DEFAULT_CORPUS,
                    help="speech folder the index was built from (default data/speeches); copied, never written")
    ap.add_argument("--requests", type=int, default=200, help="requests to send (default 200)")
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight at once (default 16)")
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="seconds for the whole run after the server is up (default 900); also caps each request")
    ap.add_argument("--startup-timeout", type=float, default=900.0, help="seconds for the server to come up")
    ap.add_argument("--upload", type=Path, help="file to upload during the load (default: a short built-in speech)")
    ap.add_argument("--upload-at", type=int, default=0, metavar="N",
                    help="start the upload as request N is sent (default 0: with the first requests)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "load.json", help="JSON results file")
    ap.add_argument("--model", help="embedding model for the server (default: its own default)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (server log, copies)")
    args = ap.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.timeout <= 0:
        ap.error("--requests and --concurrency must be at least 1 and --timeout positive")
    if args.upload is not None and not args.upload.is_file():
        ap.error(f"--upload {args.upload}: no such file")

    from jianggao.ui.app import EXAMPLE_QUESTIONS, EXAMPLE_TOPICS

    work = Path(tempfile.mkdtemp(prefix="jianggao-load-"))
    proc = None
    try:
        index_copy, lib_copy = prepare(work, args.index_dir.resolve(), args.library.resolve())
        upload = args.upload
        if upload is None:
            upload = work / UPLOAD_NAME
            upload.write_text(UPLOAD_TEXT, encoding="utf-8")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        t_start = time.perf_counter()
        proc = start_server(work, index_copy, lib_copy, port, ["--model", args.model] if args.model else [])
        wait_ready(proc, base, work, args.startup_timeout)
        startup_s = time.perf_counter() - t_start
        print(f"server up on {base} in {startup_s:.1f}s (index copy in {work})", file=sys.stderr)
        deadline = time.monotonic() + args.timeout

        queries = Queries(list(EXAMPLE_QUESTIONS), pick_similar_texts(index_copy, SIMILAR_TEXTS), list(EXAMPLE_TOPICS))
        if not queries.similar:
            raise RuntimeError(f"found no passage in {args.index_dir} to use as a similar-text query")
        caller = Caller(base, args.timeout)
        t = time.perf_counter()
        before = baselines(caller, queries)
        baseline_s = time.perf_counter() - t

        upload_box: dict[str, UploadResult] = {}

        def do_upload(t0: float) -> None:
            start = time.perf_counter() - t0
            try:
                result = upload_through_ui(base, upload, args.timeout)
            except Exception as e:  # noqa: BLE001 - reported as a failed upload
                result = UploadResult(upload.name, message=f"{type(e).__name__}: {e}")
            result.start, result.end = round(start, 3), round(time.perf_counter() - t0, 3)
            upload_box["result"] = result

        uploader = threading.Thread(target=lambda: None)

        def start_upload(t0: float) -> None:
            nonlocal uploader
            uploader = threading.Thread(target=do_upload, args=(t0,), name="upload")
            uploader.start()

        print(f"sending {args.requests} requests, {args.concurrency} at a time, uploading {upload.name} …",
              file=sys.stderr)
        upload_at = min(args.upload_at, args.requests - 1)
        results, wall_s = run_load(caller, queries, args.requests, args.concurrency, deadline, upload_at,
                                   start_upload)
        if uploader.ident is not None:
            uploader.join(max(1.0, deadline - time.monotonic()))
        up = upload_box.get("result") or UploadResult(upload.name, message="the upload did not finish in time")

        after = baselines(caller, queries)
        phrase = UPLOAD_PHRASE if args.upload is None else None
        if phrase and up.ok:
            _, out = caller.call("search", phrase)
            up.searchable = bool(out["results"]) and out["results"][0]["source"].endswith(upload.name)
        elif up.ok:
            up.searchable = True  # a user's own file: no known phrase to look for

        for r in results:
            if r.error:
                continue
            key = (r.kind, r.query)
            if r.fingerprint not in (before[key], after[key]):
                r.wrong = "answer equals neither the before nor the after baseline"
            r.wrong = r.wrong or check_similar_first(queries, r.kind, r.query, r.fingerprint)
        baseline_wrong = [f"{k}: {q[:30]}" for (k, q), fp in (*before.items(), *after.items())
                          if check_similar_first(queries, k, q, fp)]

        by_kind = summary(results, up)
        changed = sum(1 for key in before if before[key] != after[key])
        report = {
            "requests": args.requests,
            "concurrency": args.concurrency,
            "wall_s": round(wall_s, 2),
            "throughput_rps": round(args.requests / wall_s, 2),
            "errors": by_kind["all"]["errors"],
            "wrong": by_kind["all"]["wrong"] + len(baseline_wrong),
            "by_kind": by_kind,
            "upload": asdict(up),
            "queries_changed_by_upload": changed,
            "server_startup_s": round(startup_s, 1),
            "baseline_s": round(baseline_s, 2),  # one request per query, one at a time; includes the model load
            "cpus": os.cpu_count(),
            "index": str(args.index_dir),
            "error_samples": sorted({r.error for r in results if r.error})[:5],
            "wrong_samples": sorted({f"{r.kind}: {r.query[:30]}: {r.wrong}" for r in results if r.wrong})[:5]
            + baseline_wrong[:5],
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

        print(f"{'kind':8} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6} {'wrong':>5}")
        for kind, s in by_kind.items():
            print(f"{kind:8} {s['requests']:>4} {s['p50_ms'] or 0:>8.1f} {s['p95_ms'] or 0:>8.1f} "
                  f"{s['max_ms'] or 0:>8.1f} {s['errors']:>6} {s['wrong']:>5}")
        print(f"wall {wall_s:.1f}s for {args.requests} requests at concurrency {args.concurrency} "
              f"({report['throughput_rps']} req/s); errors {report['errors']}, wrong {report['wrong']}")
        a = by_kind["all"]
        print(f"{a['during_upload']} requests overlapped the upload, {a['across_swap']} were in flight when the new "
              f"index went live, {a['after_swap']} were sent after")
        print(f"upload of {up.file}: {'ok' if up.ok else 'FAILED'} in {up.seconds:.1f}s "
              f"(t={up.start:.1f}..{up.end:.1f}s), searchable: {up.searchable}"
              + ("" if up.ok else f" ({up.message[:200]})"))
        for sample in report["error_samples"] + report["wrong_samples"]:
            print(f"  {sample}")
        print(f"results in {args.out}")
        return 0 if report["errors"] == 0 and report["wrong"] == 0 and up.ok and up.searchable else 1
    except Exception as e:  # noqa: BLE001 - a failed run says why, with the server's side of it
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        if proc is not None:
            print(f"server log (end):\n{server_log(work)}", file=sys.stderr)
        return 1
    finally:
        if proc is not None:
            stop_server(proc)
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
