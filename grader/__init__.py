"""drill: auto-graded paper-to-code interview drills."""

__version__ = "0.1.0"
