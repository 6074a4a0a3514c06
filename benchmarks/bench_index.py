"""Benchmark of the store index and the loader (reader/index.py, reader/loader.py).

The figures of the scale issue that do not need a terminal, at 1k, 10k and
100k generated stores (made with generate_store.py when missing):

- cold: time to the first batch of rows, and to the whole store parsed and
  indexed (a fresh index, as with `--rebuild`);
- warm: time to the first batch (from the index), to every indexed row
  delivered, and to the end of the reconciliation with the disk (nothing
  changed); plus the bare load of every row from the index (`rows()`);
- peak memory (RSS) of the loading process, which holds every row as the app
  does; the parsing helpers are separate processes and not counted.

Every figure is measured in a fresh process, `--runs` times (the cold full
index `--cold-runs` times), and the median printed with the CPU time of the
loading process. Budgets (at 100k, 2 cores): warm reconciled <= 2 s, cold
first batch <= 1.5 s, cold full index <= 30 s, memory <= 250 MB for the
whole app. The exit status is 1 when a figure at 100k is over budget.

    .venv/bin/python benchmarks/bench_index.py [--sizes 1k,10k,100k] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run from a checkout without installing: the repository root goes on the path.
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
BUDGETS = {  # at 100k: (figure, seconds or MB)
    "cold_first": 1.5,
    "cold_full": 30.0,
    "warm_done": 2.0,
    "rss_mb": 250.0,
}


# -- one measurement, in a process of its own ------------------------------------------


def child(mode: str, store: Path, index_path: Path) -> dict[str, Any]:
    from reader.store.files import check_store
    from reader.store.index import StoreIndex
    from reader.store.loader import Batch, Progress, stream_store

    root = check_store(store)
    started = time.perf_counter()
    cpu = time.process_time()
    result: dict[str, Any] = {}
    rows: list[object] = []
    if mode == "rows":
        with StoreIndex(root, index_path) as index:
            rows = index.rows()  # type: ignore[assignment]
        result["rows"] = time.perf_counter() - started
    else:
        with StoreIndex(root, index_path, rebuild=mode == "cold") as index:
            for event in stream_store(root, index=index):
                if isinstance(event, Batch):
                    rows.extend(event.rows)
                    if "first" not in result:
                        result["first"] = time.perf_counter() - started
                elif isinstance(event, Progress) and event.indexed and "indexed" not in result:
                    result["indexed"] = time.perf_counter() - started
            result["done"] = time.perf_counter() - started
            result["notice"] = index.notice
    result["cpu"] = time.process_time() - cpu
    result["count"] = len(rows)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if sys.platform == "darwin":  # bytes there, kilobytes elsewhere
        result["rss_mb"] /= 1024
    return result


def run_child(mode: str, store: Path, index_path: Path) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(store), str(index_path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# -- the benchmark ---------------------------------------------------------------------


def ensure_store(stores: Path, label: str, count: int) -> Path:
    out = stores / label
    subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "generate_store.py"),
            "--count",
            str(count),
            "--out",
            str(out),
            "--quiet",
        ],
        check=True,
    )
    return out


def median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k,100k", help="comma-separated: 1k,10k,100k")
    parser.add_argument("--runs", type=int, default=5, help="runs of each warm figure")
    parser.add_argument("--cold-runs", type=int, default=3, help="runs of each cold load")
    parser.add_argument("--stores", type=Path, default=REPO / "benchmarks" / "stores")
    parser.add_argument("--cache", type=Path, default=None, help="folder for the index files")
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "STORE", "INDEX"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        mode, store, index_path = args.child
        print(json.dumps(child(mode, Path(store), Path(index_path))))
        return 0

    labels = [label.strip() for label in args.sizes.split(",") if label.strip()]
    unknown = [label for label in labels if label not in SIZES]
    if unknown:
        parser.error(f"unknown sizes: {', '.join(unknown)} (choose from {', '.join(SIZES)})")

    table: list[tuple[str, dict[str, float]]] = []
    over = False
    with tempfile.TemporaryDirectory(dir=args.cache) as folder:
        for label in labels:
            store = ensure_store(args.stores, label, SIZES[label])
            index_path = Path(folder) / f"{label}.sqlite3"
            print(f"{label}: cold x{args.cold_runs}", end="", flush=True)
            cold = [run_child("cold", store, index_path) for _ in range(args.cold_runs)]
            print(f", warm x{args.runs}", end="", flush=True)
            warm = [run_child("warm", store, index_path) for _ in range(args.runs)]
            print(f", rows x{args.runs}", flush=True)
            bare = [run_child("rows", store, index_path) for _ in range(args.runs)]
            for result in (*cold, *warm, *bare):
                if result["count"] < SIZES[label] * 0.9:
                    raise SystemExit(f"{label}: only {result['count']} rows were loaded")
            figures = {
                "cold_first": median(cold, "first"),
                "cold_full": median(cold, "done"),
                "cold_cpu": median(cold, "cpu"),
                "warm_first": median(warm, "first"),
                "warm_indexed": median(warm, "indexed"),
                "warm_done": median(warm, "done"),
                "warm_cpu": median(warm, "cpu"),
                "rows": median(bare, "rows"),
                "rows_cpu": median(bare, "cpu"),
                "rss_mb": max(r["rss_mb"] for r in (*cold, *warm)),
                "rss_cold": max(r["rss_mb"] for r in cold),
                "rss_warm": max(r["rss_mb"] for r in warm),
                "index_mb": index_path.stat().st_size / 1e6,
            }
            table.append((label, figures))
            if label == "100k":
                over |= any(figures[key] > limit for key, limit in BUDGETS.items())

    print()
    print(f"newsdesk index benchmark: Python {platform.python_version()}, {platform.platform()}")
    print(f"{os.cpu_count()} CPUs, load average now {_load()}")
    print(f"median of {args.runs} runs ({args.cold_runs} for cold loads); seconds, cpu = loader")
    print("process only (the parsing helpers are other processes); RSS = peak of the loader\n")
    columns = [
        ("cold first batch", "cold_first", "{:.2f}"),
        ("cold full index", "cold_full", "{:.1f}"),
        ("(cpu)", "cold_cpu", "{:.1f}"),
        ("warm first batch", "warm_first", "{:.3f}"),
        ("warm all rows", "warm_indexed", "{:.2f}"),
        ("warm reconciled", "warm_done", "{:.2f}"),
        ("(cpu)", "warm_cpu", "{:.2f}"),
        ("rows() alone", "rows", "{:.2f}"),
        ("peak RSS MB cold", "rss_cold", "{:.0f}"),
        ("warm", "rss_warm", "{:.0f}"),
        ("index MB", "index_mb", "{:.0f}"),
    ]
    print("| store | " + " | ".join(name for name, _, _ in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for label, figures in table:
        cells = [fmt.format(figures[key]) for _, key, fmt in columns]
        print(f"| {label} | " + " | ".join(cells) + " |")
    if any(label == "100k" for label, _ in table):
        print()
        figures = dict(table)["100k"]
        for key, limit in BUDGETS.items():
            verdict = "ok" if figures[key] <= limit else "OVER BUDGET"
            print(f"  100k {key:<11} {figures[key]:8.2f} (budget {limit:g})  {verdict}")
        print("  (rss_mb is the loader alone: the whole app adds Textual and its widgets)")
    return 1 if over else 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
