"""Scoring written answers: concepts credited, tells found, each with its sentence."""
