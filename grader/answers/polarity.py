"""Whether a matched phrase is asserted: negation, hedging, and keyword lists.

Deliberately small rules, each explainable in one line of a report:
- negated: a negation word earlier in the same clause ("it is not an ensemble",
  "I never call model.eval()"); a negation that is part of the matched phrase itself
  ("units can not rely on each other") does not count, and "not just" does not negate;
- hedged: the sentence says the writer is unsure ("maybe", "I'm not sure", a question);
- not prose: under three words, or (with no verb) a comma-separated list or a phrase of
  under five words, which is what a pasted keyword list looks like.
"""

from __future__ import annotations

NEGATIONS = {"not", "no", "never", "without", "neither", "nor", "none", "nothing", "hardly"}
NEGATION_PAIRS = {("rather", "than"), ("instead", "of")}
NOT_NEGATING_NEXT = {"just", "only", "merely", "simply"}   # "not just X" still says X
CLAUSE_BREAKS = set(",;:()?!") | {"but", "however", "although", "though", "whereas",
                                  "while", "because", "since", "so", "and", "which", "whereby",
                                  "that", "if", "when", "unless", "where", "who"}

HEDGES = {"maybe", "perhaps", "possibly", "unsure", "guess", "dunno"}
HEDGE_PAIRS = {("not", "sure"), ("no", "idea"), ("not", "certain"), ("sort", "of"),
               ("or", "something"), ("i", "suppose")}
HEDGE_RUNS = (("i", "do", "not", "know"),)

# Words that are verbs in these answers. Words that are as often nouns here ("drop",
# "scale", "shift", "mask", "train") are left out, so a keyword list stays a list; a
# 3rd-person -s form still counts after a subject word (see SUBJECTS).
VERBS = {
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does",
    "did", "can", "could", "will", "would", "shall", "should", "may", "might", "must",
    "make", "makes", "made", "force", "forces", "forced", "prevent", "prevents", "mean",
    "means", "rely", "relies", "learn", "learns", "learnt", "keep", "keeps", "kept", "get",
    "gets", "got", "give", "gives", "gave", "use", "uses", "put", "puts", "apply", "applies",
    "hurt", "hurts", "become", "becomes", "let", "lets", "go", "goes", "come", "comes",
    "want", "wants", "think", "know", "knows", "say", "says", "see", "sees", "take", "takes",
    "took", "avoid", "avoids", "depend", "depends", "divide", "divides", "multiply",
    "multiplies", "compensate", "compensates", "leave", "leaves", "forget", "forgets",
    "forgot", "remove", "removes", "behave", "behaves", "reduce", "reduces", "preserve",
    "preserves", "ensure", "ensures", "helps", "works", "zeroes", "zeros", "drops", "sets",
    "scales", "rescales", "averages", "approximates", "trains", "shifts", "changes", "breaks",
    "stops", "adds", "needs", "turns", "calls", "acts", "shows", "shares", "samples",
    "turned", "dropped", "zeroed", "scaled", "trained", "applied", "called",
    # what a terse note's clauses open with ("blocks co-adaptation, lowers capacity")
    "lowers", "raises", "limits", "improves", "increases", "decreases", "regularises",
    "regularizes", "injects", "discourages", "encourages", "boosts", "cuts", "kills",
    "slows", "speeds", "corrupts", "inflates", "matches", "mimics", "simulates",
}
# Contractions' second halves ("you're", "it's", "we'd") and words after which the next
# word is the verb ("you need", "dropout just slows").
VERBS |= {"re", "ve", "ll", "m", "d"}
PRONOUNS = {"i", "you", "we", "they", "he", "she"}
ADVERBS = {"just", "only", "also", "still", "often", "usually", "always", "never", "simply",
           "actually", "basically", "then", "mostly", "really", "already", "even"}
# Subjects after which a word ending in -s is read as a verb ("dropout averages ...").
SUBJECTS = {"it", "this", "that", "which", "dropout", "who", "each", "one", "network",
            "model", "layer", "unit", "neuron", "mask", "pytorch", "inference", "training"}


def negated(toks: list[str], span: tuple[int, int], own: frozenset[int] = frozenset()) -> bool:
    """Is the phrase at span negated? Positions in `own` belong to the matched phrasing
    itself ("can not lean on any single unit": the "not" is the claim, not its denial)."""
    index = span[0] - 1
    while index >= 0 and toks[index] not in CLAUSE_BREAKS:
        word = toks[index]
        if index in own:
            index -= 1
            continue
        if word in NEGATIONS and not (index + 1 < len(toks) and toks[index + 1] in NOT_NEGATING_NEXT):
            return True
        if index + 1 < span[0] and (word, toks[index + 1]) in NEGATION_PAIRS:
            return True
        index -= 1
    return False


def hedged(toks: list[str]) -> bool:
    if toks and toks[-1] == "?":
        return True
    if HEDGES.intersection(toks):
        return True
    if any(pair in HEDGE_PAIRS for pair in zip(toks, toks[1:])):
        return True
    return any(tuple(toks[i:i + len(run)]) == run for run in HEDGE_RUNS for i in range(len(toks)))


# Words that tie nouns into a statement; a keyword dump has almost none of them.
FUNCTION_WORDS = {
    "the", "a", "an", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into",
    "than", "as", "so", "and", "or", "but", "because", "since", "that", "which", "when",
    "while", "if", "its", "their", "it", "they", "each", "every", "any", "some", "only",
    "no", "not", "between", "before", "after", "during", "through", "over", "under", "per",
    "instead", "rather", "then", "there", "this", "these", "those", "such", "more", "less",
}
ARROWS = {"->", "=>", "→", "so", "because", "since", "therefore", "hence", "thus"}


def prose_problem(toks: list[str]) -> str:
    """Why this sentence cannot earn credit, or "" when it reads as a statement."""
    words = [t for t in toks if t[0].isalnum()]
    if len(words) < 2:
        return "a fragment, not a sentence"
    if _has_verb(toks):
        return ""
    # Without a verb, a phrase that ties its nouns together still answers a direct
    # question ("On a model that already underfits"; "random zeroing of units while
    # training, so less overfitting"); a run of nouns or a comma list is a keyword dump.
    glue = sum(1 for t in words if t in FUNCTION_WORDS) / len(words)
    if sum(1 for t in toks if t in ",;") + 1 >= 3 and glue < 0.3:
        return "a list of keywords, not a sentence"
    if len(words) >= 5 and glue < 0.12:
        return "a list of keywords, not a sentence"
    if len(words) < 5:
        return "a fragment, not a sentence"
    return ""


def _has_verb(toks: list[str]) -> bool:
    # A note's "label: claim" ("Ensemble view: 2^n thinned nets sharing weights") states
    # its claim after the colon, unless what follows is itself a list.
    if ":" in toks:
        after = toks[toks.index(":") + 1:]
        if len([t for t in after if t[0].isalnum()]) >= 4 and not {",", ";"} & set(after):
            return True
    # "Forgetting model.eval()": a gerund that opens a phrase acts as its verb.
    if len(toks) >= 2 and toks[0].endswith("ing") and len(toks[0]) > 5:
        return True
    for before, word in zip([""] + toks, toks):
        if word in VERBS or word in ARROWS:
            return True
        if word.endswith("s") and before in SUBJECTS:
            return True
        if before in PRONOUNS and word.isalpha() and word not in FUNCTION_WORDS:
            return True
        if before in ADVERBS and word.endswith(("s", "ed")):
            return True
        # "randomly omits", "effectively trains": a word after an adverb is its verb.
        if before.endswith("ly") and len(before) > 4 and word.endswith(("s", "ed")):
            return True
        if before in {"to", "not"} and word.isalpha() and word not in FUNCTION_WORDS:
            return True   # an infinitive or a negated verb
    return False
