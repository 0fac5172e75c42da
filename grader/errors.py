"""Errors that end a command with a readable message instead of a traceback.

`UsageError` maps to exit status 2 in the CLI; `DrillError` covers everything else
that is the user's to fix (a broken manifest, a corrupted state file).
"""


class DrillError(Exception):
    """A problem the user can fix; the message says how."""


class UsageError(DrillError):
    """Bad arguments: an unknown drill, a missing file, no workspace here."""


class ManifestError(DrillError):
    """A YAML file (drill manifest or rubric) that does not validate."""
