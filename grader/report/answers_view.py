"""The written answers cut into highlighted pieces for the HTML report: each sentence that
earned a concept, made a tell, or nearly earned something is its own piece."""

from __future__ import annotations

PRIORITY = {"tell": 3, "concept": 2, "uncredited": 1}


def segments(text: str, answer: dict) -> list[dict]:
    """Pieces covering text[answer.start:answer.end] in order: {text, kind, labels}; kind is
    "" for plain text, else the strongest finding on that sentence."""
    start, end = answer.get("start", 0), answer.get("end", 0)
    marks: dict[tuple[int, int], list[dict]] = {}
    for finding in answer.get("findings", []):
        if start <= finding["start"] < finding["end"] <= end:
            marks.setdefault((finding["start"], finding["end"]), []).append(finding)
    pieces, at = [], start
    for (low, high), found in sorted(marks.items()):
        if low < at:          # overlapping spans cannot come from one sentence split
            continue
        if low > at:
            pieces.append({"text": text[at:low], "kind": "", "labels": []})
        kind = max((f["kind"] for f in found), key=PRIORITY.get)
        labels = [_label(f) for f in sorted(found, key=lambda f: -PRIORITY[f["kind"]])]
        pieces.append({"text": text[low:high], "kind": kind, "labels": labels})
        at = high
    if at < end:
        pieces.append({"text": text[at:end], "kind": "", "labels": []})
    if pieces and not pieces[0]["kind"]:
        pieces[0]["text"] = pieces[0]["text"].lstrip()
    if pieces and not pieces[-1]["kind"]:
        pieces[-1]["text"] = pieces[-1]["text"].rstrip()
    return [p for p in pieces if p["text"]]


def _label(finding: dict) -> str:
    word = {"concept": "credited", "tell": "tell", "uncredited": "not credited"}[finding["kind"]]
    reason = f" ({finding['reason'].split(':')[0]})" if finding["kind"] == "uncredited" else ""
    return f"{word}: {finding['title']}{reason}"
