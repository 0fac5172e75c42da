"""A handed-in file is read only when it is a regular file inside its submission, and
bounded: a pipe, a device, a link out or a huge file ends in a clear refusal, at once."""

from __future__ import annotations

import os
import time

import pytest

from grader import catalog, grading, submitted


def test_a_plain_file_and_a_link_inside_are_read(tmp_path):
    (tmp_path / "real.py").write_text("x = 1\n")
    (tmp_path / "dropout.py").symlink_to(tmp_path / "real.py")
    assert submitted.read(tmp_path / "real.py") == b"x = 1\n"
    assert submitted.read(tmp_path / "dropout.py") == b"x = 1\n"


@pytest.mark.parametrize("make, says", [
    (lambda p: os.mkfifo(p), "not a regular file"),
    (lambda p: p.symlink_to("/dev/zero"), "outside the submission"),
    (lambda p: p.symlink_to(p.parent.parent / "victim.txt"), "outside the submission"),
    (lambda p: p.write_bytes(b"#" * (submitted.MAX_SOURCE + 1)), "limit"),
    (lambda p: p.symlink_to(p), "cannot be followed"),
])
def test_what_cannot_be_graded_is_refused_at_once(tmp_path, make, says):
    (tmp_path / "victim.txt").write_text("secret")
    folder = tmp_path / "submission"
    folder.mkdir()
    make(folder / "dropout.py")
    with pytest.raises(submitted.Refused, match=says):
        submitted.read(folder / "dropout.py")


def test_a_fifo_submission_gets_an_error_report_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "dropout.py")
    began = time.monotonic()
    report = grading.grade(catalog.load_drill("dropout"), tmp_path / "dropout.py")
    assert report.status == "error" and "not a regular file" in report.message
    assert time.monotonic() - began < 30


def test_a_fifo_answers_file_is_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "answers.md")
    with pytest.raises(submitted.Refused):
        grading._read_answers(tmp_path / "answers.md")
