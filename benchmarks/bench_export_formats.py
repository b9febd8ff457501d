"""Export 10,000 documents / 500,000 spans as labelstudio, spacy, parquet, xmi and
webanno-tsv, against native (issue 16); and the Parquet writer alone on 10,000,000
spans, for its memory.

The project is the one :mod:`benchmarks.bench_export` builds (generated news-like
articles, 50 spans a document across two annotators, emoji and accents in the
text). Each export is the whole ``annotator export PROJECT -o OUT -f FORMAT -q``
command in a fresh process, --repeat times in turn (median wall and CPU seconds,
largest peak RSS); native, the format tuned for speed, is the yardstick. spacy
runs twice: to one ``.spacy`` file, held in memory until written, and to a folder
of shards (``-o`` without ``.spacy``), each written and freed as it fills.

The second table feeds :func:`annotator.io.formats.parquet.export` generated
documents, without a database, until --writer-spans spans are written (default
10,000,000) and reports its peak RSS against a run of a tenth as many: the
writer streams in row groups, so memory must not grow with the export. The
script exits with 1 when the ten-times run needs more than 1.5 times the memory.

    .venv/bin/python -m benchmarks.bench_export_formats [--docs N] [--spans N]
        [--repeat N] [--writer-spans N] [--keep DIR] [--formats NAME,...]

``--formats`` measures some of the formats (native, the yardstick, always runs);
``--writer-spans 0`` leaves out the writer's memory table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_export import build, measure
from benchmarks.common import print_table

FORMATS = (
    ("native", "out.jsonl", ()),
    ("labelstudio", "out.json", ()),
    ("spacy", "out.spacy", ()),
    ("spacy", "spacy-shards", ()),  # a folder: part-00001.spacy, ...
    ("parquet", "out.parquet", ()),
    ("parquet", "spans.parquet", ("--rows", "span")),
    ("xmi", "xmi.zip", ()),
    ("webanno-tsv", "tsv.zip", ()),
)
GROWTH_LIMIT = 1.5

_WRITER = """
import sys, time
from pathlib import Path
from annotator.core.dataset import ExportDocument, Layer
from annotator.core.schema import LabelSchema
from annotator.io.formats import parquet
from annotator.io.formats.common import ExportContext

spans, target = int(sys.argv[1]), Path(sys.argv[2])
words = ("minister said talks 😀 élan Zoë agreed on a plan for the region " * 30).split(" ")
text = " ".join(words)
bounds = []
pos = 0
for w in words:
    bounds.append((pos, pos + len(w)))
    pos += len(w) + 1
per_doc = 50

def documents():
    made = 0
    n = 0
    while made < spans:
        n += 1
        rows = []
        for k in range(min(per_doc, spans - made)):
            s, e = bounds[k * 3 % len(bounds)]
            rows.append({"id": made + k, "start": s, "end": e, "label": "Person",
                         "text": text[s:e], "attributes": {}, "note": "",
                         "created_at": "", "updated_at": "", "version": 1})
        made += len(rows)
        yield ExportDocument(n, f"Doc {n}", "", "", "", {}, text,
                             [Layer("alice", "done", rows, [])])

ctx = ExportContext(LabelSchema(labels=(), relations=()))
start = time.perf_counter()
parquet.export(documents(), target, ctx)
print(time.perf_counter() - start, ctx.spans, ctx.documents)
"""
"""Writes ``spans`` spans (50 a document) through the Parquet exporter; prints the
seconds, spans and documents written."""


def output_size(out: Path) -> int:
    """Bytes of the export: the file, or every file in the folder."""
    if out.is_dir():
        return sum(part.stat().st_size for part in out.iterdir())
    return out.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--spans", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--writer-spans", type=int, default=10_000_000)
    parser.add_argument(
        "--keep", type=Path, help="build the project in DIR once and reuse it on later runs"
    )
    parser.add_argument("--formats", help="comma-separated format names (default: all)")
    args = parser.parse_args()
    wanted = set(args.formats.split(",")) | {"native"} if args.formats else None

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "bench"
        if not (folder / "project.yaml").exists():
            build(folder, args.docs, args.spans)
        log = Path(tmp) / "stderr.txt"
        native_wall = 0.0
        for fmt, name, extra in FORMATS:
            if wanted is not None and fmt not in wanted:
                continue
            out = Path(tmp) / name
            command = [sys.executable, "-m", "annotator", "export", str(folder), "-o", str(out),
                       "-f", fmt, "-q", *extra]  # fmt: skip
            runs = []
            for _ in range(args.repeat + 1):  # the first warms the page cache and modules
                if out.is_dir():
                    shutil.rmtree(out)  # a folder target must be absent or empty
                runs.append(measure(command, log)[:3])
            runs = runs[1:]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            if fmt == "native":
                native_wall = wall
            rows.append(
                (
                    " ".join([fmt, *extra]) + (" (folder)" if not out.suffix else ""),
                    f"{wall:.2f}",
                    f"{cpu:.2f}",
                    f"{rss:.0f}",
                    f"{output_size(out) / 1e6:.0f}",
                    f"{wall / native_wall:.1f}x",
                )
            )

        writer_rows = []
        rss_by_size = {}
        for count in (args.writer_spans // 10, args.writer_spans) if args.writer_spans else ():
            out = Path(tmp) / f"writer-{count}.parquet"
            wall, cpu, rss, printed = measure(
                [sys.executable, "-c", _WRITER, str(count), str(out)], log
            )
            seconds, written, documents = printed.split()
            assert int(written) == count, printed
            rss_by_size[count] = rss
            writer_rows.append(
                (
                    f"{count:,}",
                    f"{int(documents):,}",
                    f"{float(seconds):.1f}",
                    f"{rss:.0f}",
                    f"{out.stat().st_size / 1e6:.0f}",
                )
            )
            out.unlink()

    load = os.getloadavg()[0]
    print(f"{args.docs:,} documents, {args.spans:,} spans; load average {load:.2f}")
    print_table(
        f"Export by format, whole command (median of {args.repeat})",
        ("format", "wall s", "CPU s", "peak RSS MB", "output MB", "vs native"),
        rows,
    )
    if not rss_by_size:
        return 0
    print_table(
        "The Parquet writer alone, generated documents of 50 spans",
        ("spans", "documents", "seconds", "peak RSS MB", "output MB"),
        writer_rows,
    )
    small, large = (rss_by_size[k] for k in sorted(rss_by_size))
    bounded = large <= small * GROWTH_LIMIT
    print(
        f"{'met' if bounded else 'NOT MET'}: Parquet peak RSS at {args.writer_spans:,} spans "
        f"<= {GROWTH_LIMIT:g}x that at a tenth ({large:.0f} vs {small:.0f} MB)"
    )
    return 0 if bounded else 1


if __name__ == "__main__":
    sys.exit(main())
