"""Every public function and every result method users call has a docstring with an example, and every example in the
package runs as written (doctest), from the project folder with the shared data beside it."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import natlat_compress as nc
from natlat_compress import results

from .conftest import ROOT, SHARED

# The Coder methods a user calls on ``nc.get_coder(spec)``; the rest are what subclasses provide.
CODER_METHODS = ("bits", "conditional_bits", "describe")


def _modules() -> list:
    names = ["natlat_compress"] + [m.name for m in pkgutil.walk_packages(nc.__path__, "natlat_compress.")]
    return [importlib.import_module(name) for name in names if name != "natlat_compress.__main__"]


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = {test.name: test for module in _modules() for test in finder.find(module) if test.examples}
    return [tests[name] for name in sorted(tests)]


DOCTESTS = _doctests()


def _public_surface():
    """(name, object, needs an example) for what users call: the package's exports, the result classes' methods
    (properties need a docstring only: their class's example reads them) and the coder methods above."""
    for name in nc.__all__:
        obj = getattr(nc, name)
        if isinstance(obj, str):  # __version__
            continue
        yield f"nc.{name}", obj, not (inspect.isclass(obj) and issubclass(obj, Exception))
    for cls in [getattr(results, name) for name in results.__all__]:
        for member, value in vars(cls).items():
            overrides = cls is not results.Result and member in vars(results.Result)  # Result's example shows it
            if not member.startswith("_") and not overrides and (callable(value) or isinstance(value, property)):
                function = value.fget if isinstance(value, property) else value
                yield f"nc.{cls.__name__}.{member}", function, not isinstance(value, property)
    for member in CODER_METHODS:
        yield f"nc.Coder.{member}", getattr(nc.Coder, member), True


SURFACE = list(_public_surface())


@pytest.mark.parametrize("name, obj, example", SURFACE, ids=[name for name, _, _ in SURFACE])
def test_every_public_function_has_a_docstring_and_an_example(name, obj, example):
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    if example:
        assert ">>>" in doc, f"{name}'s docstring has no example"
        found = doctest.DocTestFinder(recurse=False).find(obj, name, globs={})
        assert any(test.examples for test in found), f"{name}'s example is not a doctest"


def test_the_surface_is_what_it_should_be():
    """The check above covers the nine commands, every result class and the loaders."""
    names = {name for name, _, _ in SURFACE}
    assert {f"nc.{c}" for c in ("score", "discover", "priors", "bench", "bits", "conditional_bits", "axioms", "ncd",
                                "synth", "load_table", "table_from_columns")} <= names
    assert {"nc.Result.to_frame", "nc.ScoreResult.plot", "nc.ScoreResult.verdict"} <= names
    assert len(DOCTESTS) >= len([1 for _, _, example in SURFACE if example])


@pytest.fixture(scope="module")
def _extras():
    # the examples of to_frame() and plot() use the pandas and plot extras (CI installs them)
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    if not (SHARED / "data").is_dir():
        pytest.fail(f"the shared data is missing: expected {SHARED / 'data'}")
    if SHARED.resolve() != (ROOT.parent / "shared").resolve():
        pytest.skip("the examples read ../shared/data; NATLAT_SHARED points elsewhere")


@pytest.mark.parametrize("test", DOCTESTS, ids=[test.name for test in DOCTESTS])
def test_every_example_runs(test, _extras, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples' paths are relative to the project folder
    monkeypatch.setenv("MPLBACKEND", "Agg")
    before = sorted(p.name for p in ROOT.iterdir())
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    test.globs = dict(test.globs)  # a fresh namespace each run
    report = _Collector()
    outcome = runner.run(test, out=report)
    assert outcome.failed == 0, f"{test.name} ({Path(test.filename or '').name}:{test.lineno}):\n{report.text}"
    assert outcome.attempted > 0
    assert sorted(p.name for p in ROOT.iterdir()) == before, f"{test.name} wrote into the project folder"


class _Collector:
    """The runner's report of failures, kept for the assertion message."""

    def __init__(self) -> None:
        self.text = ""

    def __call__(self, text: str) -> None:
        self.text += text
