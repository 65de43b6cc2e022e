"""The READMEs point only at files a fresh clone has: a new user follows them literally."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

# Paths in backticks, alone or inside a command: anything under these tops, or a
# relative path out of the repository (which a clone does not have).
_TOPS = ("ccterm/", "bench/", "tests/", "packaging/", ".ci/", "../")


def named_paths(text: str) -> list[str]:
    """Paths in code: fenced blocks (every word) and `inline` spans."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S)
    paths = []
    for span in fenced + re.findall(r"`([^`]+)`", prose):
        for word in span.split():
            word = word.strip("()[],;:'\"")
            if word.startswith(_TOPS):
                paths.append(word)
    return paths


@pytest.mark.parametrize("readme", ["README.md", "bench/README.md"])
def test_every_path_a_readme_names_is_in_the_repository(readme: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    paths = named_paths(text)
    assert len(paths) >= 5, paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == [], f"{readme} names files a clone does not have: {missing}"
    outside = [p for p in paths if not (ROOT / p).resolve().is_relative_to(ROOT)]
    assert outside == [], f"{readme} points outside the repository: {outside}"


def test_the_check_sees_a_missing_file() -> None:
    assert named_paths("see `../shared/DESIGN.md` and run `.venv/bin/python bench/x.py`") == [
        "../shared/DESIGN.md",
        "bench/x.py",
    ]
    assert not (ROOT / "bench/x.py").exists()
