"""The CLI under random options and random small files: every run ends in exit 0 with strict JSON, or in one line
``Error: ...`` and a non-zero status — never a traceback, never an internal error. Inputs are byte-identical afterwards
and nothing is left behind but the output asked for."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natlat_compress.cli import cli

CELLS = st.sampled_from(["a", "b", "c", "1", "2", "", " ", '"q"', "x,y", "é", "\x00", "NaN", "-0"])
NAMES = st.sampled_from(["a", "b", "c", "d", "id", "a", "", "é"])


@st.composite
def tables(draw) -> bytes:
    width = draw(st.sampled_from([3, 3, 4, 4, 1, 2]))
    # Mostly well-formed (so that runs get past loading), sometimes not.
    header = ["a", "b", "c", "d"][:width] if draw(st.integers(0, 3)) else [draw(NAMES) for _ in range(width)]
    ragged = st.sampled_from([0] * 20 + [-1, 1])
    rows = [[draw(CELLS) for _ in range(width + draw(ragged))] for _ in range(draw(st.sampled_from([6, 12, 3, 1, 0])))]
    text = "\n".join(",".join(row) for row in [header, *rows]) + draw(st.sampled_from(["\n", "", "\r\n"]))
    return text.encode(draw(st.sampled_from(["utf-8"] * 6 + ["latin-1", "utf-16"])), "replace")


JSONL_LINES = st.sampled_from([b'{"text": "abc"}', b'{"text": "abd"}', b'{"text": "\\ud800x"}', b'{"body": "z"}',
                               b'[1, 2]', b'{"text": 5}', b'{"text": ' + b"[" * 3000 + b"]" * 3000 + b"}", b"{",
                               b'{"text": "\xff"}', b""])
FILES = {
    "t.csv": tables(),
    "u.tsv": tables(),
    "x.txt": st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    "y.txt": st.sampled_from([b"", b"a\nb\n\nc d\n", b"abcabcabc" * 20, bytes(range(256))]),
    "r.jsonl": st.lists(JSONL_LINES, max_size=5).map(b"\n".join),
}

CODERS = ["zstd:3", "zstd:", "zlib:9", "lzma:0", "bz2:1", "lz4", "lz4:hc:", "model", "model:kt", "model:", "bogus",
          "cmd:cat", "cmd:true", "cmd:gzip -c", "cmd:false", "cmd:", "agent:x", "ZSTD:1", " zstd:2 "]
PATHS = ["t.csv", "u.tsv", "x.txt", "y.txt", "r.jsonl", "texts", "missing.txt", "texts/x.txt", ".", "/dev/null"]
OUTPUTS = [None, None, "-", "out.json", "t.csv", "x.txt", "nodir/out.json", "texts", "texts/new.json", "link.csv",
           "hard.csv", "/dev/null"]


def _option_values(draw, command: str) -> list[str]:
    """Random options of ``command``, each with values in and out of its domain."""
    choices = {
        "--coder": st.sampled_from(CODERS),
        "--format": st.sampled_from(["json", "json", "table", "csv", "markdown", "yaml"]),
    }
    if command in ("score", "priors"):
        choices |= {
            "--latent": st.sampled_from(["a", "b", "id", "nope", "discover", "a,b"]),
            "--latent-text": st.sampled_from(["ab", "", "\udcff"]),
            "--latent-file": st.sampled_from(PATHS),
            "--features": st.sampled_from(["a,b", "b", "zz", ","]),
            "--split": st.sampled_from(["lines", "paragraphs", "bytes:3", "bytes:0", "bytes:x", "regex:b", "regex:(",
                                        "regex:\udcff", "words"]),
            "--field": st.sampled_from(["text", "body", "nope"]),
            "--jobs": st.sampled_from(["1", "1", "0", "-2", "99999"]),
        }
    if command == "score":
        choices |= {
            "--seed": st.sampled_from(["0", "-1", "3", "x", "99999999999999999999999"]),
            "--null": st.sampled_from(["0", "1", "-1", "x", "1e9"]),
            "--intervals": st.sampled_from(["0", "1", "-3"]),
            "--stream": st.sampled_from(["1MB", "64", "-5MB", "1GiB", "lots", "100TB", "0.5MB"]),
            "--against": st.sampled_from(["b", "c,d", "x.txt", "nope"]),
            "--cache": st.sampled_from(["cache", "t.csv", "texts"]),
        }
    if command == "priors":
        choices |= {"--agent-a": st.sampled_from(CODERS), "--agent-b": st.sampled_from(CODERS),
                    "--train-a": st.sampled_from(PATHS), "--train-b": st.sampled_from(PATHS)}
    if command == "axioms":
        choices["--sizes"] = st.sampled_from(["1,2", "1KiB", "0", "-1", "x", "", "64kB,1MB"])
    if command == "bits":
        choices["--given"] = st.sampled_from(PATHS)
    picked = draw(st.lists(st.sampled_from(sorted(choices)), max_size=3, unique=True))
    if command == "priors":
        picked = sorted(set(picked) | {"--agent-a", "--agent-b"})
    args = []
    for option in picked:
        args += [option, draw(choices[option])]
    if command in ("score", "priors") and not any(option.startswith("--latent") for option in picked):
        args += draw(st.sampled_from([["--latent", "a"], ["--latent", "a"], ["--latent-text", "the"], []]))
    if command in ("score", "priors") and "--jobs" not in picked:
        args += ["--jobs", "1"]  # forks are the signals test's business; here they only cost time
    if command == "score" and "--null" not in picked:
        args += ["--null", "1"]
    return args


@st.composite
def invocations(draw) -> tuple[list[str], dict[str, bytes]]:
    files = {name: draw(strategy) for name, strategy in FILES.items()}
    files["texts/x.txt"] = draw(FILES["x.txt"])
    files["texts/z.txt"] = b"the same old text, the same old text\n"
    command = draw(st.sampled_from(["bits", "axioms", "ncd", "score", "score", "score", "priors", "coders"]))
    args = [command]
    if command in ("score", "priors"):
        args.append(draw(st.sampled_from(["t.csv", "t.csv", "texts", *PATHS])))
    elif command in ("bits", "axioms"):
        args.append(draw(st.sampled_from(PATHS)))
    elif command == "ncd":
        args += draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3))
    args += _option_values(draw, command)
    output = draw(st.sampled_from(OUTPUTS))
    if output is not None:
        args += ["-o", output]
    return args, files


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (None if p.is_dir() or p.is_symlink() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


def _strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(invocations())
def test_any_invocation_ends_cleanly(invocation):
    args, files = invocation
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "texts").mkdir()
        for name, data in files.items():
            (root / name).write_bytes(data)
        (root / "link.csv").symlink_to(root / "t.csv")
        (root / "hard.csv").hardlink_to(root / "u.tsv")
        before = _snapshot(root)
        previous = os.getcwd()
        os.chdir(root)  # the invocation's relative paths resolve there
        try:
            result = CliRunner().invoke(cli, args)
        finally:
            os.chdir(previous)
        if os.environ.get("FUZZ_LOG"):
            with open(os.environ["FUZZ_LOG"], "a") as log:
                log.write(f"{result.exit_code}\t{args}\t{result.stderr.strip()[-150:]!r}\n")
        after = _snapshot(root)

        assert "Traceback" not in result.stderr + result.stdout, (args, result.stderr)
        if result.exit_code == 0:
            output = args[args.index("-o") + 1] if "-o" in args else "-"
            fmt = args[args.index("--format") + 1] if "--format" in args else "table"
            written = result.stdout if output in ("-", "/dev/null") else (root / output).read_text()
            if fmt == "json" and output != "/dev/null":
                _strict_json(written)
            touched = {name for name in after if name not in before or after[name] != before[name]}
            expected = set()
            if output not in ("-", "/dev/null"):  # a symbolic link is written through: its target changes
                expected = {output, str((root / output).resolve().relative_to(root.resolve()))}
            assert touched - {"cache", "cache/natlat-cache.sqlite"} <= expected, (args, touched)
            assert set(before) <= set(after), args
        else:
            lines = result.stderr.strip().splitlines()
            errors = [line for line in lines if line.startswith("Error: ")]
            assert len(errors) == 1 and lines[-1] == errors[0], (args, result.stderr, result.exception)
            assert all(line.startswith(("Error: ", "Warning: ")) for line in lines), (args, result.stderr)
            assert "internal error" not in errors[0], (args, errors[0])
            assert result.exit_code in (1, 2), (args, result.exit_code, result.stderr)
            assert set(after) - set(before) <= {"cache", "cache/natlat-cache.sqlite"}, (args, after.keys() - before)
            assert {name: after.get(name) for name in before} == before, args

