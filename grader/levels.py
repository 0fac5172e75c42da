"""The levels a candidate can be placed at, lowest first. Its own module so the CLI can
offer them as choices without importing the rubric loader."""

LEVELS = ("below-L4", "L4", "L5", "L6")
