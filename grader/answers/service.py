"""The answer scorer as a process of its own: `python -m grader.answers.service`.

The CLI never loads the sentence model; it starts this process (early, so the model loads
while other work runs) and sends it answers files. One request per line on stdin, one
reply per line on stdout, both JSON:

    {"drill": "why-dropout", "markdown": "..."}  ->  {"answers": [...]} | {"error": "..."}

Batch grading keeps one process per worker, so the model loads once per worker.
"""

from __future__ import annotations

import json
import sys

MAX_MARKDOWN = 200_000   # characters of an answers file that are read; the rest is ignored


def serve(stdin=None, stdout=None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    from grader import catalog
    from grader.answers.heads import Heads
    from grader.answers.scoring import score_answers
    from grader.rubric import default_rubric
    rubric, heads = default_rubric(), Heads.load()
    for line in stdin:
        try:
            request = json.loads(line)
            drill = catalog.load_drill(str(request["drill"]))
            markdown = str(request["markdown"])[:MAX_MARKDOWN]
            answers = score_answers(markdown, list(drill.questions), rubric, heads)
            reply = {"answers": [a.to_dict() for a in answers]}
        except Exception as exc:  # a reply, never a dead scorer: the grader reports it
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
