"""Benchmark the query language at 100,000 articles.

    python benchmarks/bench_query.py                  # 100k rows, bodies indexed
    python benchmarks/bench_query.py --count 10000 --repeat 5 --no-bodies

Rows come from `benchmarks/generate_store.py`'s article builder (the same
articles as a store generated with that count and seed, without writing and
parsing 100,000 files); they are cached in `benchmarks/out/` with the FTS5
index of their bodies, so that the second run starts in seconds.

Each query is parsed and evaluated `--repeat` times with the corpus's caches
emptied before each run: every figure is the cost of a query seen for the
first time (a user typing), not of a cached one.  Typing runs replay a
query one character at a time, as the filter bar sees it (keeping the caches
across keystrokes, as the app does); a keystroke that leaves the query
unfinished (`topic:"Comp`) counts like any other.  Prints p50/p95 per query
and per kind, in wall-clock time and in CPU time (on a shared machine the
wall clock also counts waiting for a core); the target is a p95 under 50 ms
for field and free-text queries.  Exits 1 when a kind misses it in CPU time.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from reader.model import Row  # noqa: E402
from reader.search.fulltext import FullText  # noqa: E402
from reader.search.query import Context, Corpus, QueryError, QueryFlags, parse  # noqa: E402

OUT = HERE / "out"
NOW = 1793491200.0  # the generator's newest article: 2026-11-01T00:00:00Z
TARGET_MS = 50.0

FIELD_QUERIES = (
    "topic:AI",
    'topic:"Computer Vision"',
    "topic:comp*",
    "provider:times",
    'provider:="Osaka Examiner"',
    "domain:co.nz",
    "category:opinion",
    "type:video",
    "url:/2025/",
    "is:unread",
    "is:starred",
    "-is:archived",
    "tag:later",
    "has:body",
    "has:related",
    "quality:>=50",
    "heat:<0",
    "quality:20..80",
    "after:2026-07-01",
    "before:2024-08",
    "date:2025-03-14",
    "age:<7d",
    "age:>1y",
    "topic:AI is:unread quality:>=50",
    "(topic:AI OR topic:Robotics) -is:read age:<1m",
    "topic:Climate OR topic:Weather -is:archived sort:-quality",
    "sort:title",
    "sort:provider sort:-heat",
)
TEXT_QUERIES = (
    "ransomware",
    "café",
    "cafe",
    "zurich",
    "clim",
    "the",
    '"facial recognition"',
    '"the old town"',
    "data breaches",
    "spokesperson committed",
    "covid-19",
    "xyzzy",
    "-ransomware",
    "ransomware OR phishing",
    "topic:Cybersecurity ransomware is:unread",
)
TYPING = (
    "climate change in zürich",
    "topic:AI ransomware -is:read",
    'provider:"new york" quality:>=50',
    "facial recognition ban sort:-quality",
)


def rows_from_generator(count: int, seed: int) -> tuple[list[Row], list[tuple[str, str]]]:
    """The rows (and bodies) of the store `generate_store.py` would write."""
    import generate_store as g

    plan = g.make_plan(count, seed, 0.0)
    g._ensure_pools()
    rows: list[Row] = []
    bodies: list[tuple[str, str]] = []
    for i in range(count):
        a, _ = g.build_article(seed, i, plan.times[i])
        path = plan.paths[i]
        rows.append(
            Row(
                path=path,
                title=a.title,
                provider=a.provider.name if a.provider else "",
                domain=a.provider.domain if a.provider else "",
                published=float(a.published) if isinstance(a.published, int) else None,
                quality=a.quality if isinstance(a.quality, int) else None,
                heat=a.heat if isinstance(a.heat, int) else None,
                topics=tuple(a.topics or ()),
                category=a.category or "",
                type=a.type,
                web_url=a.web_url,
                excerpt=a.excerpt or "",
                has_body=bool(a.body.strip()),
                n_related=len(a.related),
            )
        )
        if a.body.strip():
            bodies.append((path, a.body))
    return rows, bodies


def load(count: int, seed: int, with_bodies: bool) -> tuple[list[Row], FullText | None]:
    OUT.mkdir(parents=True, exist_ok=True)
    rows_file = OUT / f"query-rows-{count}-{seed}.pickle"
    db_file = OUT / f"query-bodies-{count}-{seed}.db"
    bodies: list[tuple[str, str]] = []
    if rows_file.exists() and (db_file.exists() or not with_bodies):
        with rows_file.open("rb") as f:
            rows: list[Row] = pickle.load(f)
    else:
        t = time.perf_counter()
        rows, bodies = rows_from_generator(count, seed)
        print(f"built {count} rows in {time.perf_counter() - t:.1f} s", flush=True)
        with rows_file.open("wb") as f:
            pickle.dump(rows, f, protocol=pickle.HIGHEST_PROTOCOL)
    if not with_bodies:
        return rows, None
    if bodies:
        # Indexed under another name first: an interrupted run leaves no
        # half index behind the real name.
        partial = db_file.with_suffix(".partial")
        for stale in (db_file, partial):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{stale}{suffix}").unlink(missing_ok=True)
        t = time.perf_counter()
        ft = FullText(partial)
        for k in range(0, len(bodies), 2000):
            ft.upsert(bodies[k : k + 2000])
        ft.optimize()
        ft.close()
        partial.rename(db_file)
        print(f"indexed {len(bodies)} bodies in {time.perf_counter() - t:.1f} s", flush=True)
    return rows, FullText(db_file)


def make_flags(rows: Sequence[Row], seed: int) -> QueryFlags:
    rnd = random.Random(seed)
    keys = [r.key for r in rows]
    read = {k for k in keys if rnd.random() < 0.6}
    tags: dict[str, set[str]] = {}
    for k in keys:
        if rnd.random() < 0.02:
            tags[k] = set(rnd.sample(["later", "work", "follow-up", "Zürich"], rnd.randint(1, 2)))
    return QueryFlags(
        read=read,
        starred={k for k in keys if rnd.random() < 0.03},
        archived={k for k in keys if rnd.random() < 0.3},
        selected=set(rnd.sample(keys, min(50, len(keys)))),
        tags=tags,
    )


def pct(samples: Sequence[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def reset(corpus: Corpus, ft: FullText | None) -> None:
    """Forget cached results: the next query is seen for the first time."""
    corpus._cache.clear()
    corpus._body_cache.clear()
    if ft is not None:
        ft._cache.clear()
        ft._path_cache.clear()


Sample = tuple[float, float]
"""Wall-clock and CPU milliseconds of one query."""
Result = tuple[str, int, list[Sample]]


def timed(run: Callable[[], object]) -> Sample:
    wall, cpu = time.perf_counter(), time.thread_time()
    run()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def run_query(text: str, corpus: Corpus, ctx: Context) -> int:
    try:
        return len(parse(text).evaluate(corpus, ctx))
    except QueryError:
        return -1


def bench_queries(
    queries: Iterable[str], corpus: Corpus, ctx: Context, ft: FullText | None, repeat: int
) -> list[Result]:
    out = []
    for text in queries:
        samples = []
        for _ in range(repeat):
            reset(corpus, ft)
            samples.append(timed(lambda text=text: run_query(text, corpus, ctx)))
        out.append((text, run_query(text, corpus, ctx), samples))
    return out


def bench_typing(
    texts: Iterable[str], corpus: Corpus, ctx: Context, ft: FullText | None, repeat: int
) -> list[Result]:
    out = []
    for text in texts:
        samples: list[Sample] = []
        for _ in range(repeat):
            reset(corpus, ft)
            for n in range(1, len(text) + 1):
                samples.append(timed(lambda n=n, text=text: run_query(text[:n], corpus, ctx)))
        out.append((f"typing {text}", len(text), samples))
    return out


def figures(samples: list[Sample]) -> str:
    wall = [w for w, _ in samples]
    cpu = [c for _, c in samples]
    return f"{pct(wall, 50):8.1f} {pct(wall, 95):8.1f} {pct(cpu, 50):8.1f} {pct(cpu, 95):8.1f}"


def report(title: str, results: list[Result], count: str = "hits") -> list[Sample]:
    print(f"\n{title}")
    head = f"{'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8}"
    print(f"  {'query':<52} {count:>7} {head}")
    everything: list[Sample] = []
    for text, hits, samples in results:
        everything.extend(samples)
        label = text if len(text) <= 52 else text[:49] + "..."
        shown = "error" if hits < 0 else str(hits)
        print(f"  {label:<52} {shown:>7} {figures(samples)}")
    print(f"  {'all of the above':<52} {'':>7} {figures(everything)}")
    return everything


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--no-bodies", action="store_true", help="skip the FTS5 body index")
    ap.add_argument(
        "--memory", action="store_true", help="trace the corpus's allocations (slower build)"
    )
    args = ap.parse_args(argv)

    rows, ft = load(args.count, args.seed, not args.no_bodies)
    gc.collect()
    if args.memory:
        tracemalloc.start()
    t = time.perf_counter()
    corpus = Corpus(rows)
    corpus.prepare()
    build = time.perf_counter() - t
    size = ""
    if args.memory:
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = f", holding {held / 1e6:.0f} MB ({held / len(rows):.0f} bytes a row)"
    gc.collect()
    gc.freeze()
    print(
        f"{len(rows)} rows; Corpus(rows).prepare() {build:.2f} s{size}; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    flags = make_flags(rows, args.seed)
    plain = Context(flags=flags, now=NOW)
    with_bodies = Context(flags=flags, now=NOW, body_search=ft)
    if ft is not None:
        # What the app does once, when the index is open: the id table.
        run_query("ransomware", corpus, with_bodies)

    rep = args.repeat
    typing_rep = max(1, rep // 3)
    runs: list[tuple[str, str, list[Result], str]] = []
    fields = bench_queries(FIELD_QUERIES, corpus, plain, ft, rep)
    runs.append(("field queries", "field queries", fields, "hits"))
    text = bench_queries(TEXT_QUERIES, corpus, plain, ft, rep)
    runs.append(
        ("free text, in memory", "free text: titles, excerpts, providers, topics", text, "hits")
    )
    if ft is not None:
        text = bench_queries(TEXT_QUERIES, corpus, with_bodies, ft, rep)
        title = f"free text, with the FTS5 index of {len(ft)} bodies"
        runs.append(("free text, with bodies", title, text, "hits"))
    typing = bench_typing(TYPING, corpus, plain, ft, typing_rep)
    runs.append(("typing, in memory", "typing one character at a time", typing, "keys"))
    if ft is not None:
        typing = bench_typing(TYPING, corpus, with_bodies, ft, typing_rep)
        title = "typing one character at a time, with bodies"
        runs.append(("typing, with bodies", title, typing, "keys"))
    summary = [(name, report(title, results, count)) for name, title, results, count in runs]

    loadavg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\nsummary at {len(rows)} rows (target: p95 < {TARGET_MS:.0f} ms); "
        f"load average {loadavg:.1f} on {os.cpu_count()} cores"
    )
    print(f"  {'':<24} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8}")
    failed = []
    for name, samples in summary:
        wall = [w for w, _ in samples]
        cpu = [c for _, c in samples]
        verdict = "ok"
        if pct(cpu, 95) >= TARGET_MS:
            verdict = "OVER"
            failed.append(name)
        elif pct(wall, 95) >= TARGET_MS:
            verdict = "ok in CPU time; over on the wall clock (a busy machine?)"
        print(f"  {name:<24} {figures(samples)}   {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
