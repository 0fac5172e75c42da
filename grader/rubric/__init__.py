"""The rubric (rubric.yaml): levels, concepts, tells, red flags and caps, validated on load."""

from grader.rubric.load import default_rubric, load_rubric
from grader.rubric.model import (Concept, Item, LevelSpec, Need, RedFlagSpec, Rubric, Tell,
                                 lowest)

__all__ = ["Concept", "Item", "LevelSpec", "Need", "RedFlagSpec", "Rubric", "Tell",
           "default_rubric", "load_rubric", "lowest"]
