"""A typst runner any service can print with (the smallest move of mediation's
``adapters/documents/pdf.py`` runner into shared/, so that escalation prints without
importing mediation).

The data goes in as one JSON string through typst's ``sys.inputs`` and the templates
show its strings as text, so nothing typed can become typst code. Fonts come only from
the directories named here (Debian's fonts-noto-cjk by default), never from whatever
the machine happens to have. A compiler is not safe from two threads at once, so a
renderer serialises its compilations; ``TypstPrinter`` runs them in a worker thread,
one at a time, queueing on an asyncio lock (not on the executor's threads).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import typst

DEFAULT_FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts/opentype/noto"),)
"""Where Debian's fonts-noto-cjk puts Noto Serif/Sans CJK (scripts/install-system-packages.sh)."""

REQUIRED_FONT_FAMILY = "Noto Serif CJK SC"


class MissingFontsError(RuntimeError):
    """The Chinese fonts are not in the font directories: pages would print as blanks."""


class TypstRenderer:
    """Compiles the templates of one directory to PDF, the data as ``sys.inputs.data``."""

    def __init__(self, templates: Path, font_dirs: Sequence[Path] = DEFAULT_FONT_DIRS) -> None:
        fonts = typst.Fonts(
            include_system_fonts=False,
            include_embedded_fonts=True,
            font_paths=[str(d) for d in font_dirs],
        )
        if REQUIRED_FONT_FAMILY not in fonts.families():
            raise MissingFontsError(
                f"{REQUIRED_FONT_FAMILY} not found in {', '.join(map(str, font_dirs))}; "
                "install fonts-noto-cjk (scripts/install-system-packages.sh)"
            )
        self._templates = templates
        self._compiler = typst.Compiler(
            root=str(templates), font_paths=fonts, ignore_system_fonts=True
        )
        self._lock = threading.Lock()

    def compile(self, template: str, data_json: str) -> bytes:
        with self._lock:
            pdf = self._compiler.compile(
                input=str(self._templates / template),
                format="pdf",
                sys_inputs={"data": data_json},
            )
        if not isinstance(pdf, bytes):
            raise TypeError(f"typst returned {type(pdf).__name__} for a PDF")
        return pdf


class TypstPrinter:
    """One per process: the renderer is built (fonts read) on first use."""

    def __init__(self, templates: Path, font_dirs: Sequence[Path] = DEFAULT_FONT_DIRS) -> None:
        self._templates, self._font_dirs = templates, font_dirs
        self._renderer: TypstRenderer | None = None
        self._turn = asyncio.Lock()

    def renderer(self) -> TypstRenderer:
        if self._renderer is None:
            self._renderer = TypstRenderer(self._templates, self._font_dirs)
        return self._renderer

    async def pdf(self, template: str, data_json: str) -> bytes:
        async with self._turn:
            return await asyncio.to_thread(lambda: self.renderer().compile(template, data_json))
