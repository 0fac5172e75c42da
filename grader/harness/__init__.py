"""Code that runs inside the grading child process, next to the hidden graders.

Only this package (and the drills' graders) may import torch; the parent process that
runs the CLI must not, so that `drill --help`, `list`, `start` and `status` stay instant.
"""
