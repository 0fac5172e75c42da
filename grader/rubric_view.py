"""`drill rubric`: rubric.yaml printed for people (rich renderables, no logic)."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.rubric import Rubric


def renderables(rubric: Rubric, drill_id: str | None = None, phrasings: bool = False,
                levels: tuple = ()) -> list:
    """levels: a drill's own answer levels, shown instead of rubric.yaml's."""
    out = [_levels(rubric, levels, drill_id), _concepts(rubric, phrasings), _tells(rubric, phrasings),
           _red_flags(rubric), _caps(rubric)]
    items = rubric.items_for(drill_id) if drill_id else list(rubric.items)
    if items:
        table = Table(title="Self-assessment items" + (f" for {drill_id}" if drill_id else ""),
                      title_justify="left", expand=True, show_lines=False)
        table.add_column("id", style="bold", no_wrap=True)
        table.add_column("claim")
        table.add_column("shown by")
        for item in items:
            table.add_row(item.id, escape(item.claim), escape(_evidence(item)))
        out.append(table)
    return out


def _levels(rubric: Rubric, levels: tuple = (), drill_id: str | None = None) -> Panel:
    body = []
    if levels:
        body.append(Text(f"The written answers of {drill_id} are levelled by the drill's own "
                         "needs:", style="italic"))
    for spec in levels or rubric.levels:
        body.append(Text(spec.id, style="bold magenta"))
        body.append(Text(spec.shows))
        for need in spec.needs:
            names = ", ".join(rubric.concept_title(c) for c in need.of)
            if len(need.of) == 1:
                wording = "needs:"
            else:
                wording = f"needs {'all' if need.at_least == len(need.of) else need.at_least} of:"
            body.append(Text(f"  {wording} {names}", style="dim"))
    code = ", ".join(f"{level} from {at:g}%" for at, level in rubric.code_levels)
    body.append(Text(f"Code alone supports: {code} of the check points; below that, below-L4.",
                     style="italic"))
    body.append(Text("The report's level is the lowest of the code's and the answers', "
                     "then capped by red flags, hints and overtime.", style="italic"))
    return Panel(Group(*body), title="Levels", title_align="left", border_style="magenta")


def _concepts(rubric: Rubric, phrasings: bool) -> Table:
    table = Table(title="Concepts a written answer can be credited with", title_justify="left",
                  expand=True, show_lines=phrasings)
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("what it means")
    for concept in rubric.concepts.values():
        text = f"[bold]{escape(concept.title)}[/bold]\n{escape(concept.explains)}"
        if phrasings:
            text += "\n[dim]" + "\n".join(escape(p.source) for p in concept.phrasings) + "[/dim]"
        table.add_row(concept.id, text)
    return table


def _tells(rubric: Rubric, phrasings: bool) -> Table:
    table = Table(title="Tells: claims that cost a level", title_justify="left", expand=True,
                  show_lines=phrasings)
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("lowers", justify="right")
    table.add_column("why, and what to say instead")
    for tell in rubric.tells.values():
        text = f"[bold]{escape(tell.title)}[/bold]\n{escape(tell.why)}\n[green]Instead:[/green] {escape(tell.instead)}"
        if phrasings and tell.phrasings:
            text += "\n[dim]" + "\n".join(escape(p.source) for p in tell.phrasings) + "[/dim]"
        table.add_row(tell.id, str(tell.lowers), text)
    return table


def _red_flags(rubric: Rubric) -> Table:
    table = Table(title="Red flags in code", title_justify="left", expand=True)
    table.add_column("id", style="bold red", no_wrap=True)
    table.add_column("caps", no_wrap=True)
    table.add_column("why it matters, and what to do instead")
    for flag in rubric.red_flags.values():
        table.add_row(flag.id, flag.caps, f"[bold]{escape(flag.title)}[/bold]\n{escape(flag.why)}"
                      f"\n[green]Instead:[/green] {escape(flag.instead)}")
    return table


def _caps(rubric: Rubric) -> Panel:
    lines = [f"{after} or more hints taken: at most {level}" for after, level in rubric.hint_caps]
    lines += [f"{at:g}% or more over the plan: at most {level}" for at, level in rubric.overtime_caps]
    return Panel("\n".join(lines) or "none", title="Caps", title_align="left")


def _evidence(item) -> str:
    parts = [f"check {c} passes" for c in item.checks]
    if item.concepts:
        need = item.at_least or len(item.concepts)
        parts.append(f"{need} of concepts {', '.join(item.concepts)}" if need < len(item.concepts)
                     else f"concept {', '.join(item.concepts)}")
    parts += [f"no red flag {f}" for f in item.no_red_flags]
    parts += [f"no tell {t}" for t in item.no_tells]
    return "; ".join(parts)
