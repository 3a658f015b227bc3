"""Printed documents bench: seconds per agreement PDF, per case-file PDF, per session
record and per print page, against a one-line baseline document in the same run.

Fonts are read once per renderer and typst keeps what it laid out before, so the first
compilation of a process is timed apart (``cold``: a new renderer and its first agreement)
and every timed document afterwards carries different data (its own number, terms and
dates), as a server printing one case after another does. Rounds interleave the kinds.
The issue's target is under 1 s per document on this 2-core machine.

    .venv/bin/python -m bench.documents_bench [--rounds 20]

Results go to bench/results/documents-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import typst

from services.mediation.adapters.documents import PdfRenderer, render_agreement_html
from services.mediation.adapters.documents.pdf import DEFAULT_FONT_DIRS, TEMPLATES
from services.mediation.adapters.documents.specimen import (
    specimen_agreement,
    specimen_case_file,
    specimen_session,
)
from services.mediation.domain.documents import Agreement, CaseFile, SessionRecord

RESULTS = Path(__file__).parent / "results"

BASELINE = b'#set text(font: "Noto Serif CJK SC")\n#sys.inputs.data\n'
"""One line of Chinese text from sys.inputs: what any document costs before its layout."""


@dataclass
class Timing:
    name: str
    rounds: int
    pages: int
    median_s: float
    p90_s: float
    max_s: float
    per_page_s: float
    ratio_to_baseline: float = 0.0


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def _agreement(n: int) -> Agreement:
    a = specimen_agreement()
    return replace(
        a,
        number=f"（2026）青调字第{n}号",
        terms=(*a.terms, f"本协议第{n}份样本，赔偿款{n * 100}元。"),
        signed_on=date(2026, 1 + n % 12, 1 + n % 28),
    )


def _case_file(n: int) -> CaseFile:
    c = specimen_case_file()
    return replace(
        c,
        cover=replace(c.cover, number=f"（2026）青调字第{n}号", volume=f"2026-青山-{n:03d}"),
        agreement=_agreement(n),
    )


def _session(n: int) -> SessionRecord:
    s = specimen_session()
    return replace(s, outcome=f"{s.outcome}（样本{n}）")


def _time_interleaved(rounds: int, kinds: dict[str, Callable[[int], bytes | str]]) -> list[Timing]:
    """Each round renders every kind once, in turn, so a load burst from the rest of the
    machine falls on all of them alike and the ratios stay fair."""
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    pages: dict[str, int] = dict.fromkeys(kinds, 0)
    for n in range(1, rounds + 1):
        for name, render in kinds.items():
            t0 = time.perf_counter()
            out = render(n)
            samples[name].append(time.perf_counter() - t0)
            pages[name] = _pages(out) if isinstance(out, bytes) else 1
    timings = []
    for name, taken in samples.items():
        median = statistics.median(taken)
        timings.append(
            Timing(
                name=name,
                rounds=rounds,
                pages=pages[name],
                median_s=median,
                p90_s=statistics.quantiles(taken, n=10)[-1] if rounds >= 2 else median,
                max_s=max(taken),
                per_page_s=median / max(pages[name], 1),
            )
        )
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    t0 = time.perf_counter()
    renderer = PdfRenderer()
    fonts_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    first = renderer.agreement(_agreement(0))
    first_s = time.perf_counter() - t0

    fonts = typst.Fonts(include_system_fonts=False, font_paths=[str(d) for d in DEFAULT_FONT_DIRS])
    baseline_compiler = typst.Compiler(
        root=str(TEMPLATES), font_paths=fonts, ignore_system_fonts=True
    )
    baseline_compiler.compile(input=BASELINE, format="pdf", sys_inputs={"data": "预热"})

    def baseline(n: int) -> bytes:
        pdf = baseline_compiler.compile(
            input=BASELINE, format="pdf", sys_inputs={"data": f"人民调解第{n}号"}
        )
        assert isinstance(pdf, bytes)
        return pdf

    renderer.case_file(_case_file(0))  # the case file's own first layout, not timed
    renderer.session_record(_session(0))
    render_agreement_html(_agreement(0))
    runs = _time_interleaved(
        args.rounds,
        {
            "baseline one line": baseline,
            "agreement PDF": lambda n: renderer.agreement(_agreement(n)),
            "case-file PDF": lambda n: renderer.case_file(_case_file(n)),
            "session record PDF": lambda n: renderer.session_record(_session(n)),
            "agreement print page": lambda n: render_agreement_html(_agreement(n)),
        },
    )
    base = runs[0].median_s
    for run in runs:
        run.ratio_to_baseline = run.median_s / base

    print(
        f"fonts read: {fonts_s * 1000:.0f} ms; first agreement: {first_s * 1000:.0f} ms "
        f"({_pages(first)} page); cpus: {os.cpu_count()}"
    )
    print(
        f"{'document':24} {'pages':>5} {'median ms':>10} {'p90 ms':>8} {'max ms':>8} "
        f"{'ms/page':>8} {'× baseline':>10}"
    )
    for run in runs:
        print(
            f"{run.name:24} {run.pages:>5} {run.median_s * 1000:>10.1f} {run.p90_s * 1000:>8.1f} "
            f"{run.max_s * 1000:>8.1f} {run.per_page_s * 1000:>8.1f} {run.ratio_to_baseline:>10.1f}"
        )
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"documents-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "typst": getattr(typst, "__version__", None),
                "fonts_read_s": fonts_s,
                "first_agreement_s": first_s,
                "runs": [asdict(r) for r in runs],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"results: {out}")


if __name__ == "__main__":
    main()
