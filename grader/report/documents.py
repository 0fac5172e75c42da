"""HTML and Markdown renderings of a Report, from the jinja2 templates in templates/.

Candidate code and messages are untrusted: HTML is autoescaped; Markdown escapes the
characters a Markdown viewer would turn into markup, and fences code with a fence
longer than any run of backticks in it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from grader import paths
from grader.report.answers_view import segments
from grader.report.model import Report
from grader.scoring import excerpt
from grader.timer import clock

MARKS = {"passed": "✓", "failed": "✗", "timeout": "⏱", "crashed": "✗", "not-run": "·"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(paths.templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     default_for_string=True, default=True),
        trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = md_escape
    env.filters["cell"] = lambda text: md_escape(text).replace("|", "\\|").replace("\n", " ")
    env.filters["py"] = highlight_line
    env.filters["concept_title"] = _concept_title
    env.globals.update(clock=clock, marks=MARKS, fence=fence, numbered=numbered)
    return env


def render_html(report: Report) -> str:
    lines = (report.candidate.get("source") or "").splitlines()
    template = environment().get_template("report.html.j2")
    text = (report.answers_file or {}).get("text", "")
    return template.render(r=report, source_lines=lines, plots=_plots(report),
                           answer_segments=lambda answer: segments(text, answer),
                           all_lines=[{"number": i, "text": t, "marked": False}
                                      for i, t in enumerate(lines, 1)],
                           excerpt=lambda line: excerpt(lines, line))


def render_markdown(report: Report) -> str:
    # Markdown is plain text: nothing here may be HTML-escaped, so autoescape is off
    # for this template only, and every untrusted value goes through md/cell/fence.
    template = _markdownenvironment().get_template("report.md.j2")
    return re.sub(r"\n{3,}", "\n\n", template.render(r=report)).strip() + "\n"


@lru_cache(maxsize=1)
def _markdownenvironment() -> Environment:
    env = environment().overlay(autoescape=select_autoescape(enabled_extensions=("html",),
                                                              default=False))
    return env


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~])")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def md_escape(text) -> str:
    """One line of inert Markdown: a newline in a message could otherwise start a forged
    heading ("# Level: L6") or a table row of its own."""
    text = "" if text is None else str(text)
    return _MD_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", text))


def fence(code: str, language: str = "python") -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code}\n{ticks}"


def numbered(rows) -> str:
    return "\n".join(f"{'>' if row.marked else ' '}{row.number:4d} | {row.text}" for row in rows)


def _plots(report: Report) -> dict[str, str]:
    if not report.plots:
        return {}
    try:
        from grader.report.plots import all_plots
    except ImportError:  # matplotlib missing: the report is complete without pictures
        return {}
    return all_plots(report)


def highlight_line(text: str):
    """One line of Python as highlighted HTML. Pygments (installed with rich) escapes
    every token itself, so the result is safe to mark as such."""
    from markupsafe import Markup, escape
    tools = _pygments()
    if tools is None:
        return escape(text)
    highlight, lexer, formatter = tools
    return Markup(highlight(text, lexer, formatter).rstrip("\n"))


@lru_cache(maxsize=1)
def _pygments():
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers.python import PythonLexer
    except ImportError:
        return None
    return highlight, PythonLexer(), HtmlFormatter(nowrap=True)


def _concept_title(concept_id: str) -> str:
    from grader.rubric import default_rubric

    try:
        return default_rubric().concept_title(concept_id)
    except Exception:  # a broken rubric.yaml must not stop an old report from rendering
        return concept_id
