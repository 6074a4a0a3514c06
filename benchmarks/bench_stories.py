"""Benchmark story grouping (reader/stories/) for quality and speed.

    python benchmarks/bench_stories.py --count 5000           # generated store
    python benchmarks/bench_stories.py --store /path/to/store  # one with .stories.json
    python benchmarks/bench_stories.py --speed 100000         # in memory, no files
    python benchmarks/bench_stories.py --index STORE --cache INDEX --changed 200

Quality: a store made by ``generate_stories.py`` (made under
``benchmarks/stores/`` when missing) is read with the app's reader
(`reader.store.files.read_article`), every article sketched and grouped in
one ``Stories.add``, and the stories found compared with the true ones in
``.stories.json``: B-cubed precision and recall (for each article, the share
of its found story that is its true story, and the share of its true story
found with it; averaged over articles), F1, the number of stories found and
true, and how many articles of decoys (follow-ups, look-alikes) were merged
with another story. Prints the time to sketch (µs an article) and to group.
``--threshold`` and ``--window`` (hours) override the module's constants,
to compare choices.

Speed: ``--speed N`` builds N articles with the generator in memory (cached
in ``benchmarks/out/``), then times the sketches, a bulk ``Stories.add`` of
all of them (from raw URLs, and again with the URL hashes given, as the
index keeps them), the same under ``tracemalloc`` (peak and retained memory
of the grouping, the documents themselves excluded), and small incremental
adds and removes.

Index: ``--index STORE --cache INDEX`` times what the app's helper process
does (`reader.stories.service.group_index`) on an index the app built, each
run in a fresh process: grouping every file (the kept grouping deleted
first), then starting from the kept grouping with ``--changed`` files
logged as written since (as a warm start after files changed). Prints wall
and CPU time, peak memory (VmHWM) and the kept grouping's size.
Target at 100,000: sketches and grouping together within about 3 s (10% of
a cold index), memory within about 40 MB.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import re
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import generate_stories  # noqa: E402
from reader.store.files import ParseError, read_article, scan  # noqa: E402
from reader.stories import group as grouping  # noqa: E402
from reader.stories.group import Stories, StoryDoc  # noqa: E402
from reader.stories.text import sketch  # noqa: E402

STORES = HERE / "stores"
OUT = HERE / "out"
_URL_LINE = re.compile(r'^\s+(?:webUrl|ampWebUrl|cdnAmpWebUrl): "(.*)"$', re.M)


def bcubed(found: Mapping[str, str], truth: Mapping[str, str]) -> tuple[float, float]:
    """B-cubed (precision, recall) of ``found`` (path -> story) against ``truth``."""
    paths = [p for p in truth if p in found]
    pair = Counter((found[p], truth[p]) for p in paths)
    size_found = Counter(found[p] for p in paths)
    size_true = Counter(truth[p] for p in paths)
    n = len(paths)
    precision = sum(c * c / size_found[f] for (f, _), c in pair.items()) / n
    recall = sum(c * c / size_true[t] for (_, t), c in pair.items()) / n
    return precision, recall


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


# -- the generated store ----------------------------------------------------------


def read_store(root: Path) -> tuple[list[StoryDoc], float]:
    """StoryDocs of every article (and the sketch time, µs an article)."""
    texts: list[tuple[str, str]] = []
    partial: list[tuple[str, float | None, int | None, tuple[str, ...], tuple[str, ...]]] = []
    for entry in scan(root):
        try:
            a = read_article(root, entry)
        except ParseError:
            continue
        urls = tuple(u for u in (a.web_url, a.amp_url, a.cdn_amp_url) if u)
        related = tuple(u for r in a.related for u in (r.web_url, r.amp_url, r.cdn_amp_url) if u)
        published = a.published.timestamp() if a.published is not None else None
        partial.append((a.path, published, a.quality, urls, related))
        texts.append((a.title, a.excerpt))
    started = time.perf_counter()
    sketches = [sketch(t, e) for t, e in texts]
    per = (time.perf_counter() - started) / max(1, len(texts)) * 1e6
    docs = [StoryDoc(*row, sk) for row, sk in zip(partial, sketches, strict=True)]
    return docs, per


def decoy_report(found: Mapping[str, str], root: Path) -> str:
    """How many decoy articles share a found story with another true story."""
    import json

    data = json.loads((root / generate_stories.SIDECAR).read_text(encoding="utf-8"))
    truth: dict[str, str] = data["stories"]
    kinds: dict[str, str] = data["kinds"]
    labels_in: dict[str, set[str]] = defaultdict(set)
    for path, story in found.items():
        if path in truth:
            labels_in[story].add(truth[path])
    merged: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for path, label in truth.items():
        kind = kinds[label]
        total[kind] += 1
        if path in found and len(labels_in[found[path]]) > 1:
            merged[kind] += 1
    return ", ".join(f"{k} {merged[k]}/{total[k]}" for k in sorted(total))


def quality(root: Path) -> None:
    truth = generate_stories.read_truth(root)
    docs, sketch_us = read_store(root)
    gc.collect()
    started = time.perf_counter()
    stories = Stories()
    stories.add(docs)
    found = stories.stories()
    seconds = time.perf_counter() - started
    p, r = bcubed(found, truth)
    print(
        f"{root.name}: {len(docs)} articles, threshold {grouping.THRESHOLD}, "
        f"window {grouping.WINDOW / 3600:g} h"
    )
    print(f"  B-cubed precision {p:.3f}  recall {r:.3f}  F1 {f1(p, r):.3f}")
    print(
        f"  stories found {len(stories)}, true {len(set(truth.values()))}; "
        f"articles merged with another story: {decoy_report(found, root)}"
    )
    print(f"  sketch {sketch_us:.1f} µs an article; grouping {seconds:.3f} s")


# -- speed ------------------------------------------------------------------------


SpeedRow = tuple[str, float | None, int | None, tuple[str, ...], tuple[str, ...], str]


def speed_docs(count: int, seed: int) -> tuple[list[tuple[str, str]], list[SpeedRow]]:
    """(title, excerpt) and the other StoryDoc fields of ``count`` generated
    articles, cached in benchmarks/out/."""
    cache = OUT / f"stories-speed-{count}-{seed}.pickle"
    try:
        with cache.open("rb") as f:
            cached: tuple[list[tuple[str, str]], list[SpeedRow]] = pickle.load(f)
        return cached
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    articles = generate_stories.build(count, seed, 150.0)
    texts = [(a.title, a.excerpt) for a in articles]
    rows: list[SpeedRow] = [
        (
            a.path,
            None if a.time is None else float(a.time),
            a.quality,
            tuple(u for u in (a.url, a.amp, a.cdn) if u),
            tuple(_URL_LINE.findall("".join(a.related))),
            a.event.label,
        )
        for a in articles
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as f:
        pickle.dump((texts, rows), f, protocol=pickle.HIGHEST_PROTOCOL)
    return texts, rows


def speed(count: int, seed: int) -> None:
    texts, rows = speed_docs(count, seed)
    gc.collect()
    started = time.perf_counter()
    sketches = [sketch(t, e) for t, e in texts]
    sketch_s = time.perf_counter() - started
    docs = [
        StoryDoc(p, t, q, u, r, sk) for (p, t, q, u, r, _), sk in zip(rows, sketches, strict=True)
    ]
    truth = {row[0]: row[5] for row in rows}
    del texts, sketches
    gc.collect()
    started = time.perf_counter()
    stories = Stories()
    stories.add(docs)
    group_s = time.perf_counter() - started
    del stories
    # Memory in a second run: tracemalloc slows allocations down many times.
    gc.collect()
    tracemalloc.start()
    stories = Stories()
    stories.add(docs)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    p, r = bcubed(stories.stories(), truth)
    print(f"{count} articles (generated in memory, seed {seed})")
    print(f"  sketch {sketch_s:.2f} s ({sketch_s / count * 1e6:.1f} µs an article)")
    print(f"  group  {group_s:.2f} s (one add); total {sketch_s + group_s:.2f} s")
    print(f"  memory: peak {peak / 1e6:.1f} MB, retained {current / 1e6:.1f} MB (tracemalloc)")
    print(
        f"  stories {len(stories)}, true {len(set(truth.values()))}; "
        f"B-cubed precision {p:.3f} recall {r:.3f} F1 {f1(p, r):.3f}"
    )
    # Incremental: remove 200 articles one at a time, then add them back.
    step = max(1, count // 200)
    sample = docs[::step][:200]
    started = time.perf_counter()
    for doc in sample:
        stories.remove([doc.path])
    removed = (time.perf_counter() - started) / len(sample)
    started = time.perf_counter()
    for doc in sample:
        stories.add([doc])
    added = (time.perf_counter() - started) / len(sample)
    print(f"  one article: remove {removed * 1e3:.2f} ms, add {added * 1e3:.2f} ms")


def _group_once(store: str, cache: str) -> None:
    """(a fresh process) `group_index` once; print its figures as one line."""
    import resource

    from reader.store.index import StoreIndex
    from reader.stories.service import group_index

    with StoreIndex(Path(store), Path(cache)) as index:
        wall, cpu = time.perf_counter(), time.process_time()
        grouper, changes = group_index(index)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        kept = index.story_state()
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # VmHWM on Linux
    size = len(kept[1]) / 1e6 if kept else 0.0
    print(
        f"{wall:.2f} s wall, {cpu:.2f} s CPU, peak {hwm:.0f} MB, {len(grouper)} stories,"
        f" {len(changes)} changes sent, kept grouping {size:.1f} MB"
    )


def index_run(store: Path, cache: Path, changed: int) -> None:
    import sqlite3
    import subprocess

    def run(what: str) -> None:
        code = (
            "import sys; sys.path.insert(0, sys.argv[3]);"
            "from benchmarks.bench_stories import _group_once;"
            "_group_once(sys.argv[1], sys.argv[2])"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(store), str(cache), str(HERE.parent)],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        print(f"  {what}: {out}")

    conn = sqlite3.connect(cache)
    files = conn.execute("SELECT count(*) FROM files").fetchone()[0]
    print(f"{store} ({files} articles), index {cache}")
    conn.execute("DELETE FROM story_state")
    conn.commit()
    run("every file grouped")
    # Files written since the grouping was kept, as a warm start finds them.
    with conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('written', '1') ON CONFLICT (key)"
            " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )
        conn.execute(
            "INSERT OR REPLACE INTO story_log (path, at) SELECT path,"
            " (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'written')"
            " FROM files ORDER BY random() LIMIT ?",
            (changed,),
        )
    conn.close()
    run(f"kept grouping, {changed} files logged")
    size = cache.stat().st_size / 1e6
    print(f"  index file {size:.0f} MB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="articles (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--store", type=Path, help="a store with .stories.json")
    parser.add_argument("--speed", type=int, metavar="N", help="speed run on N articles")
    parser.add_argument("--index", type=Path, metavar="STORE", help="group the index of STORE")
    parser.add_argument("--cache", type=Path, help="the index file (with --index)")
    parser.add_argument("--changed", type=int, default=200, help="files logged (with --index)")
    parser.add_argument("--threshold", type=float, help="override THRESHOLD")
    parser.add_argument("--window", type=float, metavar="HOURS", help="override WINDOW")
    args = parser.parse_args(argv)
    if args.threshold is not None:
        grouping.THRESHOLD = args.threshold
    if args.window is not None:
        grouping.WINDOW = int(args.window * 3600)
    if args.speed:
        speed(args.speed, args.seed)
        return 0
    if args.index:
        if args.cache is None:
            parser.error("--index needs --cache")
        index_run(args.index.resolve(), args.cache, args.changed)
        return 0
    root = args.store
    if root is None:
        root = STORES / f"stories-{args.count}-s{args.seed}"
        generate_stories.generate(root, args.count, args.seed)
    quality(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
