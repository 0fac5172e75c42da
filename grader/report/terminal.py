"""The rich summary printed after `drill grade`."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.plain_text import plain, plain_all
from grader.report.model import Report
from grader.timer import clock

MARKS = {"passed": ("✓", "green"), "failed": ("✗", "red"), "timeout": ("⏱", "yellow"),
         "crashed": ("✗", "red"), "not-run": ("·", "dim")}


def render(report: Report, console: Console, written: list[str] | None = None) -> None:
    report = plain_all(report)  # every field may carry the candidate's text
    colour = "green" if report.clean else ("red" if report.status != "graded" else "yellow")
    title = Text.assemble((f"{report.drill['id']}", "bold"), f"  {report.drill['title']}")
    score = Text.assemble((f"{report.score}/{report.max_score}", f"bold {colour}"),
                          f"  ({report.percent}%)   status: ", (report.status, colour))
    if report.level:
        score.append_text(Text.assemble("   level: ", (report.level, "bold magenta")))
    lines = [title, score, Text(report.message)]
    if report.timing:
        timing = report.timing
        extra = f", {len(timing.get('hints', []))} hint(s) taken" if timing.get("hints") else ""
        if timing.get("paused_s", 0) >= 1:
            extra += f", {clock(timing['paused_s'])} paused"
        lines.append(Text(f"time since start {clock(timing['elapsed_s'])}, "
                          f"phase: {timing['phase']}{extra}", style="dim"))
    if report.attempts:
        scores = " → ".join(f"{a.get('score')}" for a in report.attempts)
        lines.append(Text(f"attempt {len(report.attempts) + 1}; earlier scores: {scores}",
                          style="dim"))
    console.print(Panel(Group(*lines), border_style=colour))

    if report.problem:
        _problem(report, console)

    if report.bugs:
        console.print(f"[bold]Planted bugs[/bold] (variant {escape(str(report.drill.get('variant')))}):")
        for bug in report.bugs:
            mark = "[green]✓ fixed[/green]" if bug["found"] else "[red]✗ missed[/red]"
            console.print(f"  {mark}  {escape(bug['title'])}")
            if bug.get("note"):
                console.print(f"           [dim]{escape(bug['note'])}[/dim]")
    if report.checks:
        _checks(report, console)
    for flag in report.red_flags:
        _flag(report, flag, console)
    if report.answers:
        _answers(report, console)
    if report.level:
        _level(report, console)
    if written:
        console.print("[bold]Reports written:[/bold]")
        for path in written:
            console.print(f"  {escape(path)}", soft_wrap=True)


def _checks(report: Report, console: Console) -> None:
    table = Table(show_header=True, header_style="bold", expand=True, box=None)
    table.add_column("", width=2)
    table.add_column("check", ratio=2)
    table.add_column("pts", justify="right", width=5)
    table.add_column("reason", ratio=3)
    for check in report.checks:
        mark, style = MARKS.get(check.outcome, ("?", "white"))
        reason = escape(check.message)
        if check.hint:
            reason += f"\n[cyan]hint:[/cyan] {escape(check.hint)}"
        table.add_row(f"[{style}]{mark}[/{style}]", escape(check.title),
                      f"{check.points}/{check.max_points}", reason)
    console.print(table)


def _flag(report: Report, flag, console: Console) -> None:
    body = [Text.assemble(("evidence: ", "bold"), _plain("; ".join(flag.evidence)) or "-")]
    if flag.line:
        body.append(Text(f"{report.candidate.get('name', '')} line {flag.line}:", style="dim"))
        body += [_code_row(code.number, code.text, code.marked) for code in flag.code]
    body.append(Text.assemble(("why it matters: ", "bold"), flag.why))
    body.append(Text.assemble(("instead: ", "bold"), flag.instead))
    console.print(Panel(Group(*body), title=f"[red]RED FLAG[/red] {escape(flag.id)}: "
                                            f"{escape(flag.title)}",
                        border_style="red", title_align="left"))


def _answers(report: Report, console: Console) -> None:
    body = []
    for number, answer in enumerate(report.answers, 1):
        body.append(Text(f"{number}. {answer['title']}", style="bold"))
        if answer["status"] != "answered":
            body.append(Text("   not answered", style="dim"))
            continue
        for finding in answer["findings"]:
            if finding["kind"] == "concept":
                body.append(Text.assemble(("   ✓ ", "green"), finding["title"],
                                          (f"  “{_short(finding['quote'])}”", "dim")))
            elif finding["kind"] == "tell":
                body.append(Text.assemble(("   ✗ tell: ", "red"), finding["title"],
                                          (f"  “{_short(finding['quote'])}”", "dim")))
            else:
                body.append(Text(f"   · not credited: {finding['title']} "
                                 f"({finding['reason'].split(':')[0]})", style="yellow"))
        missed = [c for c in answer.get("expects", []) if c not in answer["concepts"]]
        if missed:
            body.append(Text("   missed: " + "; ".join(_concept_title(c) for c in missed),
                             style="dim"))
    console.print(Panel(Group(*body), title=f"written answers ({report.answers_file.get('name', '')})",
                        border_style="blue", title_align="left"))


def _concept_title(concept_id: str) -> str:
    from grader.rubric import default_rubric
    try:
        return default_rubric().concept_title(concept_id)
    except Exception:  # an edited rubric that no longer loads: the id still says it
        return concept_id


def _level(report: Report, console: Console) -> None:
    body = [Text(reason) for reason in report.level_reasons]
    if report.level_next:
        body.append(Text("to reach the next level:", style="bold"))
        body += [Text(f"  - {step}") for step in report.level_next]
    for gap in (report.self_assessment or {}).get("gaps", []):
        body.append(Text.assemble(("self-assessment gap: ", "bold red"),
                                  f"{gap['gap']}: {gap['claim']}"))
    console.print(Panel(Group(*body), title=f"level {report.level}", border_style="magenta",
                        title_align="left"))


def _plain(text: str) -> str:
    """Candidate text (answers, evidence naming their code) without control characters:
    an escape sequence in an answers file must not drive the reader's terminal."""
    return plain(text)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(_plain(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _problem(report: Report, console: Console) -> None:
    problem = report.problem
    body = []
    for code in problem.get("excerpt", []):
        body.append(_code_row(code["number"], code["text"], code["marked"]))
        if code["marked"] and problem.get("caret"):
            body.append(Text(f"         {problem['caret']}", style="bold red"))
    if problem.get("hint"):
        body.append(Text.assemble(("hint: ", "cyan"), problem["hint"]))
    output = report.output.get("import_output")
    if output:
        body.append(Text("output while importing:", style="dim"))
        body.append(Text(output[:1500], style="dim"))
    if body:
        console.print(Panel(Group(*body), title="what went wrong", border_style="red",
                            title_align="left"))


def _code_row(number: int, text: str, marked: bool) -> Text:
    return Text(f"{'>' if marked else ' '} {number:4d} | {text}", style="bold" if marked else "dim")
