"""The engine on a real Dask cluster (a LocalCluster of worker processes): the same numbers as a local run."""

from __future__ import annotations

import json

import pytest

from natlat_compress import score
from natlat_compress.errors import NatlatError

from .conftest import CANTERBURY, TABULAR, assert_one_line_error, run

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as local:
        yield local.scheduler_address


def test_table_scores_match_a_local_run(cluster):
    path = TABULAR / "breast-cancer.csv"
    options = dict(coders=["model", "zstd:19"], null=3, intervals=2)
    local = score(path, "Class", jobs=1, **options)
    remote = score(path, "Class", scheduler=cluster, **options)
    assert json.dumps(remote["results"], sort_keys=True) == json.dumps(local["results"], sort_keys=True)


@pytest.mark.filterwarnings("ignore::natlat_compress.errors.ReachWarning")  # bz2's block is smaller than the corpus
def test_text_scores_match_a_local_run(cluster):
    local = score(CANTERBURY, b"the and of", coders=["zstd:19", "bz2:9"], jobs=1)
    remote = score(CANTERBURY, b"the and of", coders=["zstd:19", "bz2:9"], scheduler=cluster)
    assert remote["results"] == local["results"]


def test_cli_scheduler_option(cluster):
    out = json.loads(run("score", TABULAR / "contact-lenses.csv", "--latent", "contact-lenses", "--scheduler", cluster,
                         "-s", "--format", "json").stdout)
    assert out["results"][0]["coder"] == "model"


def test_unreachable_scheduler_is_one_line():
    with pytest.raises(NatlatError, match="cannot reach the Dask scheduler"):
        score(TABULAR / "contact-lenses.csv", "contact-lenses", scheduler="tcp://127.0.0.1:9", null=0)
    line = assert_one_line_error(run("score", TABULAR / "contact-lenses.csv", "--latent", "contact-lenses",
                                     "--scheduler", "tcp://127.0.0.1:9", expect=None))
    assert "tcp://127.0.0.1:9" in line
