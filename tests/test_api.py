"""The Python surface: one function per command with the command's options, result objects equal to the JSON, and a
tutorial that runs as written."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import click
import numpy as np
import pytest

import natlat_compress as nc
from natlat_compress.cli import cli

from .conftest import CANTERBURY, ROOT, TABULAR, run

# Options that are about output and the terminal, not about the computation.
PRESENTATION = {"format", "output", "silent", "help"}


def option_names(command: click.Command) -> set[str]:
    names = set()
    for param in command.params:
        if isinstance(param, click.Option):
            names.add(max(param.opts, key=len).lstrip("-").replace("-", "_"))
        else:
            names.add(param.name)
    return names - PRESENTATION


@pytest.mark.parametrize("name", sorted(set(cli.commands) - {"coders"}))
def test_every_command_is_a_function_with_its_options(name):
    function = getattr(nc, name)
    parameters = set(inspect.signature(function).parameters)
    missing = option_names(cli.commands[name]) - parameters
    assert not missing, f"nc.{name} lacks {missing}"
    assert function.__doc__ and ">>>" in function.__doc__  # tests/test_docstrings.py runs the example


def test_every_public_function_has_a_docstring():
    for name in nc.__all__:
        obj = getattr(nc, name)
        if callable(obj):
            assert obj.__doc__, name


def json_of(*args) -> dict:
    return json.loads(run(*args, "--format", "json").stdout)


def same(result) -> dict:
    return json.loads(json.dumps(result.to_dict()))


def test_json_of_a_command_equals_its_function_to_dict(tmp_path):
    alice = CANTERBURY / "alice29.txt"
    assert json_of("bits", alice, "--coder", "zstd:3") == same(nc.bits(str(alice), coder="zstd:3"))
    assert json_of("ncd", alice, CANTERBURY / "asyoulik.txt", "--coder", "zstd:3") == same(
        nc.ncd([str(alice), str(CANTERBURY / "asyoulik.txt")], coder="zstd:3"))
    assert json_of("axioms", alice, "--coder", "zstd:3", "--sizes", "1000,4000") == same(
        nc.axioms(str(alice), coder="zstd:3", sizes=[1000, 4000]))
    # the plan's time and memory estimates are measurements of the machine at that moment; all else is equal
    cli_report, function_report = json_of("score", "--null", "2", "--jobs", "1", "-s"), same(nc.score(null=2, jobs=1))
    for report in (cli_report, function_report):
        estimate = report["plan"].pop("estimate")
        assert estimate["compressions"] == report["plan"]["jobs"]
    assert cli_report == function_report
    written = json_of("synth", "noisy_copies", "--rows", "300", "--out", tmp_path / "a")
    assert written == same(nc.synth("noisy_copies", rows=300, out=tmp_path / "a"))


def test_repr_reads_like_the_command_table():
    alice = CANTERBURY / "alice29.txt"
    assert repr(nc.bits(str(alice), coder="zstd:3")) == run("bits", alice, "--coder", "zstd:3").stdout.rstrip("\n")
    report = nc.score(null=2, jobs=1)
    assert repr(report) == run("score", "--null", "2", "--jobs", "1", "-s").stdout.rstrip("\n")
    assert report._repr_html_().startswith("<pre") and "verdict" in report._repr_html_()


def test_score_result_attributes_read_the_report():
    report = nc.score(null=3, jobs=1, coder=["model", "zstd:3"])
    first = report["results"][0]
    assert report.mediation_error == first["mediation_error"] and report.weak_error == first["weak_error"]
    assert report.redundancy_errors == first["redundancy_errors"] and report.null == first["null"]
    assert report.verdict == first["verdict"] and set(report.coders) == {"model", "zstd:3"}
    assert report.intervals is None and report.theorem1 is None


def test_to_frame_holds_the_records():
    pd = pytest.importorskip("pandas")
    frame = nc.score(null=0, jobs=1).to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(nc.score(null=0, jobs=1).rows())


def test_byte_commands_refuse_model_coders_naming_where_they_work():
    with pytest.raises(nc.NatlatError, match="natlat score"):
        nc.bits(b"abc", coder="model")


def test_synth_in_memory_has_the_truth_and_the_table():
    source = nc.synth("noisy_copies", rows=500, seed=2)
    assert source["truth"]["mediation_error"] == pytest.approx(0, abs=1e-9)
    assert source.table.n_items == 500


def test_the_tutorial_runs_as_written(tmp_path, monkeypatch, capsys):
    """docs/python.md: every code block, in order, in one namespace, from the project folder (its paths are relative
    to it); nothing may be written there."""
    text = (ROOT / "docs" / "python.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 5
    before = sorted(p.name for p in ROOT.iterdir())
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), namespace)
    assert "Party" in capsys.readouterr().out  # the last block's error names the unknown column
    assert sorted(p.name for p in Path(ROOT).iterdir()) == before


def test_a_dataframe_keeps_its_dtypes_and_its_missing_values():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(ROOT.parent / "shared" / "data" / "tabular" / "wine.csv")
    frame["class"] = frame["class"].astype("category")
    frame.loc[[3, 7], "alcohol"] = float("nan")
    frame["batch"] = pd.array([1, None] + [2] * (len(frame) - 2), dtype="Int64")
    frame["grade"] = pd.array(["a", pd.NA] + ["b"] * (len(frame) - 2), dtype="string")
    report = nc.score(frame, "class", null=0, jobs=1)
    kinds = {c["name"]: c for c in report["corpus"]["columns"]}
    assert kinds["alcohol"]["kind"] == "numeric" and kinds["alcohol"]["missing"] == 2
    assert kinds["batch"]["kind"] == "categorical" and kinds["grade"]["kind"] == "categorical"
    assert report["corpus"]["n_items"] == len(frame)  # no row dropped
    same_from_file = nc.score(ROOT.parent / "shared" / "data" / "tabular" / "wine.csv", "class", null=0, jobs=1,
                              features=[c for c in frame.columns if c not in ("class", "batch", "grade")])
    assert kinds["magnesium"]["kind"] == {c["name"]: c for c in same_from_file["corpus"]["columns"]}["magnesium"]["kind"]


def test_three_lines_from_a_dataframe_to_a_plotted_score():
    """README, Python API: from `import natlat_compress as nc` to the plotted score of a DataFrame in three lines,
    run as written there on the wine table read by pandas."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "nc.score(frame" in b)
    lines = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert len(lines) == 3 and lines[0] == "import natlat_compress as nc"
    namespace = {"frame": pd.read_csv(TABULAR / "wine.csv")}
    exec(compile("\n".join(lines[:-1]), "README.md", "exec"), namespace)
    axes = eval(lines[-1], namespace)
    assert len(axes) == 5 and axes[0].get_title().startswith("model: mediation error")
    assert namespace["result"]["corpus"]["n_items"] == 178 and "class is more natural" in namespace["result"].verdict


def test_a_pyarrow_table_keeps_its_types_as_the_pandas_nullable_ones_do():
    """Integers with nulls stay integers (a plain to_pandas() would make them floats, read as numeric), floats are
    numeric, strings, dictionaries and booleans categorical, nulls missing: the score equals that of the same table as
    a DataFrame of pandas' nullable dtypes."""
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    n = 200
    labels, reading = ["a", "b", "a", "c"] * (n // 4), [0.5, 1.25, None, 2.0] * (n // 4)
    codes, flags = [1, None, 2, 3] * (n // 4), [True, None, False, True] * (n // 4)
    arrow = pa.table({"L": labels, "reading": pa.array(reading, pa.float64()), "code": pa.array(codes, pa.int64()),
                      "batch": pa.array(labels).dictionary_encode(), "flag": pa.array(flags)})
    frame = pd.DataFrame({"L": labels, "reading": reading, "code": pd.array(codes, dtype="Int64"),
                          "batch": pd.Categorical(labels), "flag": pd.array(flags, dtype="boolean")})
    from_arrow, from_frame = (nc.score(table, "L", null=0, jobs=1) for table in (arrow, frame))
    kinds = {c["name"]: (c["kind"], c.get("missing")) for c in from_arrow["corpus"]["columns"]}
    assert kinds == {"L": ("categorical", None), "reading": ("numeric", n // 4), "code": ("categorical", None),
                     "batch": ("categorical", None), "flag": ("categorical", None)}
    assert from_arrow["corpus"] == from_frame["corpus"] and from_arrow["results"] == from_frame["results"]


def test_a_float32_column_keeps_the_decimals_it_was_written_with():
    """0.1 stored as float32 is 0.100000001490116… as a Python float: read through Python's str it would be coded at
    δ = 1e-17. numpy writes it in float32's own shortest digits, so the precision is that of a CSV with the same
    values, and so is every code length."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    reading = np.round(labels + rng.normal(0, 0.5, 300), 1)
    wide = pd.DataFrame({"L": labels.astype(str), "x": reading, "y": np.round(reading * 2, 1)})
    narrow = wide.astype({"x": np.float32, "y": np.float32})
    from_wide, from_narrow = (nc.score(frame, "L", null=0, jobs=1) for frame in (wide, narrow))
    precision = {c["name"]: c.get("precision") for c in from_narrow["corpus"]["columns"]}
    assert precision == {"L": None, "x": 0.1, "y": 0.1}
    assert from_narrow["results"] == from_wide["results"]
