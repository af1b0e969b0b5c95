"""Markdown tables of a results file, one per dataset, for docs/benchmarks.md:
`python -m bench.report [bench/results/latest.json]`.

Each row: the median run's seconds (with every run's), rows/s, the ratio to the dataset's
`psql \\copy`, and the targets that row is measured against (from the harness's own list).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.harness import DATASET_METHODS, RESULTS_DIR, Result, Target, anchors, targets


def verdict(target: Target) -> str:
    margin = abs(target.measured / target.goal - 1)
    sign = ">=" if target.higher_is_better else "<="
    goal = f"{sign} {target.goal:g}{target.unit}"
    met = "met" if target.met else "missed"
    return f"{target.measured:.2f}{target.unit} ({goal}): **{met}** by {margin:.0%}"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS_DIR / "latest.json"
    results = [Result(**r) for r in json.loads(path.read_text())]
    checks = targets(results)
    speed = anchors(results)
    for dataset in DATASET_METHODS:
        rows = [r for r in results if r.dataset == dataset]
        if not rows:
            continue
        print(f"\n**{dataset}** ({rows[0].rows:,} rows)\n")
        columns = (
            "method | runs (s) | median s | rows/s | MB/s | x `\\copy` | RSS MB | CPU s | srv CPU s | target"
        )
        print(f"| {columns} |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in rows:
            name = f"{r.method} ({r.variant})" if r.variant else r.method
            ratio = f"{r.rows_per_s / speed[dataset]:.2f}" if dataset in speed else "-"
            runs = " / ".join(f"{s:.2f}" for s in r.attempts)
            server = "-" if r.server_cpu_s is None else f"{r.server_cpu_s:.2f}"
            mine = [
                t for t in checks if t.name.startswith(f"{r.method} ") and t.name.endswith(f", {dataset}")
            ]
            shown = "; ".join(f"{t.name.split(', ')[0]}: {verdict(t)}" for t in mine)
            print(
                f"| {name} | {runs} | {r.seconds:.2f} | {r.rows_per_s:,.0f} | {r.mb_per_s:.1f} | {ratio} |"
                f" {r.peak_rss_mb:.0f} | {r.client_cpu_s:.2f} | {server} | {shown} |"
            )
    print("\n| target | measured, verdict |\n|---|---|")
    for t in checks:
        print(f"| {t.name} | {verdict(t)} |")


if __name__ == "__main__":
    main()
