"""Accuracy on the planted-secret corpus (recall and precision >= 95%) and on Trivy's own
secret-scanner fixtures from ../shared (the formats we claim to share with it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from seawall.engine import scan
from support.secret_corpus import TOKENS, generate, score


@pytest.mark.parametrize("seed", [1, 5])
def test_planted_corpus_recall_and_precision(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = generate(tmp_path, seed=seed)
    assert corpus.kinds() >= set(TOKENS)  # every one-line format is planted at least once
    monkeypatch.chdir(tmp_path)
    report = scan(["."])
    found = [(f.location.path, f.location.line) for f in report.findings if f.rule_id.startswith("SW-SEC-")]
    s = score(corpus, found)
    missed = sorted({m.kind for m in s.missed})
    assert s.recall >= 0.95, f"missed kinds: {missed}"
    assert s.precision >= 0.95, f"false positives at {s.false[:10]}"
    assert corpus.decoys > 100


EXPECTED = {
    "github-token.txt": ("SW-SEC-055", 1),
    "asymmetric-private-key.txt": ("SW-SEC-140", 1),
    "azure-entra-client-secret.txt": ("SW-SEC-014", 1),
    "azure-container-registry-password.txt": ("SW-SEC-020", 1),
    "private-packagist.txt": ("SW-SEC-138", 1),
    "aws-secrets.txt": ("SW-SEC-002", 1),
    "settings.xml": ("SW-SEC-137", 2),
}


def test_trivy_fixtures(shared_dir: Path) -> None:
    root = shared_dir / "corpus/secrets/trivy/pkg/fanal/secret/testdata"
    cwd = os.getcwd()
    os.chdir(root)
    try:
        report = scan(["."])
    finally:
        os.chdir(cwd)
    got = {(f.location.path, f.rule_id, f.location.line) for f in report.findings if f.rule_id.startswith("SW-SEC-")}
    for name, (rid, line) in EXPECTED.items():
        assert (name, rid, line) in got, name
    # Trivy's own negative fixtures: placeholders, look-alikes inside longer words
    for quiet in ("invalid-aws-secrets.txt", "openai-invalid.txt", "wrapped-secrets.txt", "invalid-utf8.txt"):
        assert not [g for g in got if g[0] == quiet], quiet
