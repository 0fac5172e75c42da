"""The `drill` command. Thin: parse, call one function, print, choose the exit status.

Never imports torch (only the grading child does), and imports jinja2 and the grading
pipeline lazily, so --help, list, start and status stay instant.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from functools import lru_cache

import click

from grader import __version__
from grader.errors import DrillError, UsageError
from grader.levels import LEVELS


# rich is imported on first use: `drill --help` and `drill list` never need it.
@lru_cache(maxsize=None)
def _console(stderr: bool = False):
    from rich.console import Console
    return Console(stderr=stderr, highlight=False)


class DrillGroup(click.Group):
    """Turns our own errors into a message and an exit status, never a traceback."""

    def invoke(self, ctx):
        signal.signal(signal.SIGTERM, _interrupted)
        signal.signal(signal.SIGHUP, _interrupted)
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            _fail(exc, 2)
        except DrillError as exc:
            _fail(exc, 1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _stop_children()
            click.echo("drill: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug of ours: say so plainly, keep the trace optional
            if os.environ.get("DRILL_DEBUG"):
                raise
            click.echo(f"drill: internal error: {type(exc).__name__}: {exc}\nRe-run with "
                       "DRILL_DEBUG=1 for the traceback, and please report it.", err=True)
            sys.exit(3)


def _warn_unsandboxed() -> None:
    from grader import isolation

    reason = isolation.check()
    if reason is not None:
        _console(stderr=True).print(
            f"[yellow]warning:[/] grading without a sandbox ({_escape(reason)}). Fine for "
            "your own code; do not grade other people's code this way.")


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # so every finally runs: children killed, temp folders removed


def _stop_children() -> None:
    """Kill every grading process still running (a batch's other threads included) and
    remove their folders; only if grading was ever loaded, so the CLI stays light."""
    if "grader.launch" in sys.modules:
        sys.modules["grader.launch"].kill_all()
    if "grader.sandbox" in sys.modules:
        sys.modules["grader.sandbox"].remove_all()


def _fail(exc: Exception, status: int) -> None:
    click.secho("drill: ", fg="red", err=True, nl=False)
    click.echo(str(exc), err=True)
    sys.exit(status)


def _escape(text) -> str:
    """Any text that is not ours (file names, messages) for rich: no markup, no control
    characters."""
    from rich.markup import escape

    from grader.plain_text import plain
    return escape(plain(text))


@click.group(cls=DrillGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="drill")
def main():
    """Timed, auto-graded paper-to-code interview drills.

    \b
    drill list                  the drills
    drill start dropout         hand out a workspace and start the clock
    drill status                where you are in the plan
    drill grade                 run the hidden graders, write the report
    """


@main.command("list")
def list_command():
    """List the drills: id, title, difficulty, minutes."""
    from grader import catalog

    rows = [("id", "title", "difficulty", "minutes")]
    for entry in catalog.load_all():
        if isinstance(entry, Exception):
            rows.append(("broken", str(entry), "", ""))
        else:
            rows.append((entry.id, entry.title, entry.difficulty, f"{entry.minutes:g}"))
    widths = [max(len(row[i]) for row in rows if row[0] != "broken") for i in range(3)]
    for index, row in enumerate(rows):
        if row[0] == "broken":
            click.secho(f"{'broken':{widths[0]}}  {row[1]}", fg="red")
            continue
        line = "  ".join(f"{cell:{width}}" for cell, width in zip(row, widths)) + f"  {row[3]}"
        click.secho(line.rstrip(), bold=index == 0)


@main.command()
@click.argument("drill_id", metavar="ID")
@click.option("--dir", "directory", type=click.Path(path_type=Path),
              help="Where to create the workspace (default: ./drill-ID).")
@click.option("--force", is_flag=True,
              help="Reuse a non-empty folder; its files are backed up under .drill/backups/ first.")
@click.option("--minutes", type=float, default=None,
              help="Scale the phase plan to this many minutes in all.")
@click.option("--variant", default=None, metavar="V",
              help="A bug hunt's variant (default: one picked at random).")
def start(drill_id, directory, force, minutes, variant):
    """Hand out a workspace for drill ID and start its clock."""
    from grader import app

    from grader.workspace import load_session

    drill, root = app.start(drill_id, directory, force, minutes, variant)
    shown = _shown(root)

    session = load_session(root)
    plan = session.plan
    total = sum(p["minutes"] for p in plan)
    _console().print(f"[bold]{drill.title}[/bold]  ({drill.difficulty}, {total:.3g} min)")
    _console().print(f"Workspace: [cyan]{_escape(shown)}[/cyan]"
                     + (f"  (variant {session.variant})" if session.variant else ""))
    for name in drill.handout:
        _console().print(f"  {name}")
    _console().print("Plan: " + " → ".join(f"{p['phase']} {p['minutes']:.3g} min" for p in plan))
    _console().print(f"The clock is running. Read {shown}/BRIEF.md first; "
                  f"`drill status` shows the time, `drill grade` (inside {shown}) grades "
                  f"{drill.candidate_file}.")


@main.command()
@click.option("--watch", is_flag=True, help="Keep a live view until the session ends (Ctrl-C to leave).")
def status(watch):
    """Elapsed time, the current phase and the time left (inside a workspace)."""
    from grader.status_view import show_status, watch as watch_view
    from grader.workspace import current_session

    (watch_view if watch else show_status)(current_session(), _console())


@main.command()
def timer():
    """A live view of the clock for a second terminal (same as status --watch)."""
    from grader.status_view import watch as watch_view
    from grader.workspace import current_session

    watch_view(current_session(), _console())


@main.command("next")
def next_command():
    """Mark the move to the next phase now."""
    from grader.session_ops import next_phase
    from grader.timer import clock
    from grader.workspace import current_session

    ended, line = next_phase(current_session())
    done = next(p for p in line.phases if p.name == ended)
    _console().print(f"{ended} done after {clock(done.spent_s(line.elapsed_s))} "
                     f"(planned {clock(done.planned_s)}) → now: [bold]{line.phase}[/bold]")


@main.command()
def pause():
    """Stop the clock for an interruption (recorded in the report)."""
    from grader.session_ops import pause as pause_session
    from grader.workspace import current_session

    pause_session(current_session())
    _console().print("Paused. `drill resume` restarts the clock.")


@main.command()
def resume():
    """Restart the clock after `drill pause`."""
    from grader.session_ops import resume as resume_session
    from grader.timer import clock
    from grader.workspace import current_session

    paused = resume_session(current_session())
    _console().print(f"Resumed after a pause of {clock(paused)}.")


@main.command()
def hint():
    """Reveal the drill's next hint (recorded, with the time, in the report)."""
    from grader.session_ops import take_hint
    from grader.workspace import current_session

    shown = take_hint(current_session())
    if shown is None:
        _console().print("No hints left: you have seen them all.")
        return
    _console().print(f"[bold]Hint {shown.number}/{shown.total}:[/bold] {_escape(shown.text)}")


@main.command()
def check():
    """Run the workspace's visible sanity checks (not the hidden graders)."""
    from grader import app
    from grader.workspace import current_session

    sys.exit(app.run_visible_checks(current_session()))


@main.command()
def history():
    """Every grading of this session: time, score, red flags."""
    from grader.history_view import show_history
    from grader.workspace import current_session

    show_history(current_session(), _console())


@main.command()
@click.option("--restore", "restore_name", is_flag=False, flag_value="", default=None,
              metavar="[BACKUP]", help="Bring back a saved file (the newest, or BACKUP) instead.")
def reset(restore_name):
    """Put the stub back; your current file is saved under .drill/backups/ first."""
    from grader import session_ops
    from grader.workspace import current_session

    session = current_session()
    if restore_name is None:
        saved = session_ops.reset(session)
        where = f"; your file was saved to {_shown(saved)}" if saved else ""
        _console().print(f"{session.candidate_file} is the stub again{_escape(where)}. "
                         "`drill reset --restore` brings it back.")
    else:
        source, saved = session_ops.restore(session, restore_name or None)
        _console().print(f"Restored {_escape(_shown(source))}"
                         + (f" (the file it replaced is in {_escape(_shown(saved))})" if saved else ""))


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--drill", "drill_id", metavar="ID", help="The drill FILE is for (outside a workspace).")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write the JSON report here.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), help="Also write the HTML report here.")
@click.option("--md", "md_path", type=click.Path(path_type=Path), help="Also write the Markdown report here.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["gradescope", "exercism"]),
              help="Also write another platform's results file (gradescope.json / exercism.json in the bundle).")
@click.option("--results", "results_path", type=click.Path(path_type=Path),
              help="With one --format: also write that results file here (e.g. Gradescope's results/results.json).")
@click.option("--no-plots", is_flag=True, help="Skip the report's plots (and the demo they need): faster.")
@click.option("--variant", default=None, metavar="V",
              help="A bug hunt's variant, for a FILE graded outside its workspace (lists its planted bugs).")
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the bundle goes (default: the workspace's .drill/reports, or ./drill-reports for a FILE).")
def grade(file, drill_id, json_path, html_path, md_path, formats, results_path, no_plots,
          variant, out):
    """Grade the workspace's file (or FILE) with the hidden graders.

    Exit status: 0 all checks passed with no red flag; 1 graded with failures or red
    flags, or the code errored or timed out; 2 usage error.
    """
    from grader import app
    from grader.grading import grade as run_grade
    from grader.report.bundle import write_bundle
    from grader.report.terminal import render
    from grader.workspace import stamp

    if results_path and len(formats) != 1:
        raise UsageError("--results needs exactly one --format")
    # the session is read and checked whole here, so a broken one costs no grading time
    target = app.grade_target(file, drill_id, variant=variant, out=out)
    app.check_writable(target.reports_parent)
    if not target.drill.answers_only:
        _warn_unsandboxed()
    with _console().status(f"grading {target.candidate.name} against '{target.drill.id}'..."):
        report = run_grade(target.drill, target.candidate, target.session, plots=not no_plots,
                           variant=target.variant)
    keep = ([target.session.root / target.drill.answers_file]
            if target.session and target.drill.answers_file else [])
    try:
        written = write_bundle(report, target.reports_parent, stamp(),
                               {"json": json_path, "html": html_path, "md": md_path}, keep)
        if formats:
            from grader.report.bundle import write_exports
            written += write_exports(report, written[0].parent, formats, results_path)
    except OSError as exc:
        raise DrillError(f"graded {report.score}/{report.max_score}, but the report could "
                         f"not be written: {exc.strerror or exc} ({exc.filename}). Make that "
                         "folder writable or pass --out DIR, and grade again.") from None
    if target.session is not None:
        from grader.session_ops import attempt_record, record_attempt
        record_attempt(target.session, attempt_record(report, written[0].parent, target.session))
    render(report, _console(), [_shown(p) for p in written])
    sys.exit(report.exit_code)


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


@main.command("grade-batch")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True), metavar="DIR")
@click.option("--drill", "drill_id", required=True, metavar="ID", help="The drill every submission is for.")
@click.option("--jobs", type=int, default=None, help="Submissions graded at once (default: CPU count).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where the bundles and index go (default: DIR/drill-batch).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["gradescope", "exercism"]),
              help="Also write another platform's results file into each bundle.")
@click.option("--variant", default=None, metavar="V",
              help="A bug hunt's variant for submissions without a workspace session "
                   "(a submitted workspace's own session says which it was handed).")
@click.option("--trust-submissions", "trusted", is_flag=True,
              help="Grade even where no sandbox (bubblewrap) can be had: only for code you trust.")
def grade_batch(directory, drill_id, jobs, out, formats, variant, trusted):
    """Grade every submission in DIR (a .py file or a folder each), in parallel."""
    from grader import catalog, isolation, workspace
    from grader.batch import grade_batch as run_batch

    drill = catalog.load_drill(drill_id)
    if not drill.answers_only and isolation.check() is not None:
        if not trusted:
            raise DrillError(f"will not run other people's code without a sandbox: "
                             f"{isolation.check()}. Pass --trust-submissions only if you "
                             "trust every submission.")
        _warn_unsandboxed()
    variant = workspace.check_variant(drill, variant)
    out = out or directory / "drill-batch"

    def progress(done, total, label, report):
        _console().print(f"[{done}/{total}] {_escape(label)}: {report.score}/{report.max_score} "
                         f"{report.status}" + (f", red flags: {', '.join(f.id for f in report.red_flags)}"
                                               if report.red_flags else ""))

    graded = run_batch(drill, directory, out, jobs, tuple(formats), progress, variant)
    _console().print(f"{len(graded)} submission(s) graded; index: {_escape(_shown(out / 'index.html'))}")


@main.command()
@click.option("--drill", "drill_id", metavar="ID", help="Only this drill's self-assessment items.")
@click.option("--phrasings", is_flag=True, help="Also show the phrasings that earn each concept.")
def rubric(drill_id, phrasings):
    """Print the rubric: levels, concepts, tells, red flags, caps, self-assessment items."""
    from grader.rubric import default_rubric
    from grader.rubric_view import renderables

    levels = ()
    if drill_id:
        from grader import catalog
        levels = catalog.load_drill(drill_id).levels  # an unknown id is a usage error
    for part in renderables(default_rubric(), drill_id, phrasings, levels):
        _console().print(part)


@main.command()
@click.option("--yes", "yes", multiple=True, metavar="ID", help="An item you claim (repeatable).")
@click.option("--no", "no", multiple=True, metavar="ID", help="An item you do not claim (repeatable).")
@click.option("--list", "list_only", is_flag=True, help="Show the items and your current answers.")
def assess(yes, no, list_only):
    """Rate yourself against the rubric's items for this drill (recorded in the workspace;
    the next report puts it beside the evidence and names the gaps)."""
    from grader import assessment, workspace

    session = workspace.current_session()
    items = assessment.items_of(session)
    before = assessment.claims_of(session).get("claims", {})
    if list_only:
        for item in items:
            said = {True: "yes", False: "no"}.get(before.get(item.id), "-")
            _console().print(f"  {said:>3}  [bold]{item.id}[/bold]: {_escape(item.claim)}")
        return
    claims = assessment.claims_from_flags(yes, no)
    if not claims:
        if not sys.stdin.isatty():
            raise UsageError("give --yes ID / --no ID for each item (see `drill assess "
                             "--list`), or run in a terminal to be asked")
        from rich.prompt import Confirm
        for item in items:
            claims[item.id] = Confirm.ask(f"{_escape(item.claim)}", console=_console(),
                                          default=before.get(item.id, False))
    saved = assessment.record(session, items, claims)
    answered = sum(1 for item in items if item.id in saved["claims"])
    _console().print(f"Self-assessment saved: {answered} of {len(items)} items answered. "
                     "The next `drill grade` shows it beside the evidence.")


@main.command()
@click.argument("bundle", type=click.Path(path_type=Path), metavar="REPORT_DIR")
@click.option("--reviewer", help="Your name (asked for when omitted in a terminal).")
@click.option("--level", type=click.Choice(LEVELS), help="Your level for the candidate.")
@click.option("--mark", "marks", multiple=True, metavar="ID=agree|ID=disagree:comment",
              help="Your verdict on a check or red flag (repeatable).")
@click.option("--feedback", default="", help="Free-text feedback for the candidate.")
def review(bundle, reviewer, level, marks, feedback):
    """Record a mentor's review of a report bundle (kept apart from the automatic score)."""
    from grader import review as reviews

    data = reviews.load_bundle(bundle)
    if reviewer is None:
        if not sys.stdin.isatty():
            raise UsageError("give --reviewer (and --level, --mark, --feedback), or run "
                             "in a terminal to be asked")
        reviewer, level, items, feedback = _ask_review(data)
    else:
        items = reviews.parse_marks(list(marks), data)
    saved = reviews.add_review(bundle, reviews.Review(reviewer, level, feedback, items))
    latest = saved["reviews"][-1]
    _console().print(f"Review by {_escape(reviewer)} saved to {_escape(str(bundle))} "
                     f"({len(saved['reviews'])} review(s) in all).")
    for problem in latest["integrity"]:
        _console().print(f"[bold red]warning:[/bold red] {_escape(problem)}")


@main.command()
@click.argument("bundles", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="REPORT_DIR...")
def regrade(bundles):
    """Grade each bundle's snapshot again here, and say whether its verdict holds.

    Exit status: 0 every bundle verified; 1 a verdict differs or could not be checked.
    """
    from grader import regrade as regrading

    regrading.check_bundles(list(bundles))
    _warn_unsandboxed()
    failures = 0
    for bundle in bundles:
        try:
            fresh = regrading.regrade(bundle)
            regrading.record(bundle, fresh)
        except DrillError as exc:
            failures += 1
            _console().print(f"[bold red]not checked[/bold red] {_escape(str(bundle))}: {_escape(exc)}")
            continue
        if fresh.verified:
            _console().print(f"[green]verified[/green] {_escape(str(bundle))}: {fresh.score}/"
                             f"{fresh.max_score}, level {_escape(fresh.level)}")
        else:
            failures += 1
            _console().print(f"[bold red]differs[/bold red] {_escape(str(bundle))}: "
                             + _escape("; ".join(fresh.differences)))
    sys.exit(1 if failures else 0)


def _ask_review(data):
    from rich.prompt import Confirm, Prompt

    from grader import review as reviews

    console = _console()
    console.print(f"[bold]{_escape(data['drill']['title'])}[/bold]: automatic score "
                  f"{data['score']}/{data['max_score']}, status {data['status']}")
    reviewer = Prompt.ask("Your name", console=console)
    level = Prompt.ask("Your level for the candidate", console=console,
                       choices=[*LEVELS, "skip"], default="skip")
    items = []
    for item_id, kind, said in reviews.reviewable_items(data):
        agree = Confirm.ask(f"{kind} [bold]{_escape(item_id)}[/bold]: {_escape(said)[:120]}\n"
                            "  agree with the automatic verdict?", console=console, default=True)
        comment = "" if agree else Prompt.ask("  why not?", console=console, default="")
        items.append(reviews.ReviewItem(item_id, kind, "agree" if agree else "disagree", comment))
    feedback = Prompt.ask("Feedback for the candidate (one paragraph)", console=console, default="")
    return reviewer, None if level == "skip" else level, items, feedback


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True), metavar="DIR")
def reports(directory):
    """Write DIR/index.html over every report bundle under DIR (sortable, filterable)."""
    from grader.report.index import write_index

    path, rows = write_index(directory)
    broken = [r for r in rows if r.problem]
    _console().print(f"{len(rows)} report(s) indexed in {_escape(_shown(path))}"
                     + (f"; {len(broken)} could not be read (listed with the reason)" if broken else ""))


@main.group()
def dev():
    """Developer tools for drill authors."""


@dev.command("check")
@click.argument("drill_ids", nargs=-1, metavar="[ID]...")
@click.option("--jobs", type=int, default=None, help="Gradings run at once (default: CPU count).")
def dev_check(drill_ids, jobs):
    """Prove every drill: reference full marks, each mutant caught, stub scores 0."""
    from grader.devcheck import check_drills, print_findings

    results = check_drills(list(drill_ids) or None, jobs=jobs)
    sys.exit(0 if print_findings(results, _console()) else 1)
