"""A real LaTeX for the TikZ and Beamer tests: compile, count pages, read text back.

`./run test` installs TeX Live (pdflatex, LuaLaTeX with luatexja, TikZ, Beamer)
and poppler-utils, and sets AUTODIFF_LATEX_TESTS=required, so there a missing
tool fails these tests; elsewhere they skip saying what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REQUIRED = os.environ.get("AUTODIFF_LATEX_TESTS") == "required"
PACKAGES = {"pdflatex": "texlive-latex-base", "lualatex": "texlive-luatex",
            "pdfinfo": "poppler-utils", "pdftotext": "poppler-utils",
            "pdftoppm": "poppler-utils", "kpsewhich": "texlive-binaries"}
STYLES = {"tikz.sty": "texlive-pictures", "beamer.cls": "texlive-latex-recommended",
          "luatexja.sty": "texlive-lang-japanese"}


def need(*tools: str) -> None:
    """Fail (under ./run test) or skip unless every program and LaTeX file in
    `tools` (names of PACKAGES and STYLES) is installed."""
    missing = [t for t in tools if t in PACKAGES and shutil.which(t) is None]
    styles = [t for t in tools if t in STYLES]
    if styles and shutil.which("kpsewhich") is not None:
        missing += [t for t in styles if not subprocess.run(
            ["kpsewhich", t], capture_output=True, check=False).stdout.strip()]
    elif styles:
        missing += styles
    if missing:
        packages = sorted({PACKAGES.get(t) or STYLES[t] for t in missing})
        message = (f"{', '.join(missing)} not installed: apt-get install "
                   f"{' '.join(packages)} (./run test does)")
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)


def compile_tex(path: Path, engine: str) -> Path:
    """Run `engine` on `path` in its folder; the PDF, or a failure showing the log's end."""
    need(engine)
    done = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", path.name],
                          cwd=path.parent, capture_output=True, timeout=300, check=False)
    log = path.with_suffix(".log")
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else done.stdout.decode()
    assert done.returncode == 0, tail
    return path.with_suffix(".pdf")


def pages(pdf: Path) -> int:
    """The number of pages of `pdf` (pdfinfo)."""
    need("pdfinfo")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    return int(next(line.split()[1] for line in info.stdout.splitlines()
                    if line.startswith("Pages:")))


def text(pdf: Path, page: int | None = None) -> str:
    """The text of `pdf` (or of one page, from 1), as pdftotext reads it."""
    need("pdftotext")
    which = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", *which, str(pdf), "-"],
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def png(pdf: Path, page: int, dpi: int = 100) -> Path:
    """Page `page` of `pdf` (from 1) rendered to PNG (pdftoppm) beside it."""
    need("pdftoppm")
    stem = pdf.with_name(f"{pdf.stem}-page{page}")
    subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", str(dpi), "-f", str(page),
                    "-l", str(page), str(pdf), str(stem)], check=True)
    return stem.with_suffix(".png")
