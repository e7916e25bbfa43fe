"""Contract 2: `marsad ner --conll FILE` tags tokens in ANERcorp's BIO scheme."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from marsad.conll import tag_conll

ROOT = Path(__file__).resolve().parents[1]


def test_tags_persons_places_orgs_and_keeps_sentence_breaks() -> None:
    lines = ["قال O", "اللواء O", "المتقاعد O", "خليفة B-PERS", "حفتر I-PERS", "إن O", "قواته O",
             "دخلت O", "طرابلس B-LOC", ". O", "", "وأعلنت O", "وزارة B-ORG", "الخارجية I-ORG",
             "الجزائرية I-ORG", "ذلك O", ""]
    out = list(tag_conll(line + "\n" for line in lines))
    assert len(out) == len(lines)
    assert out[10] == "" and out[16] == ""
    tags = dict(line.split("\t") for line in out if line)
    assert tags["خليفة"] == "B-PERS" and tags["حفتر"] == "I-PERS"
    assert tags["اللواء"] == "O"  # the title is not part of the name
    assert tags["طرابلس"] == "B-LOC"
    assert tags["وزارة"] == "B-ORG" and tags["الخارجية"] == "I-ORG"
    assert tags["قال"] == "O" and tags["."] == "O"


def test_cli_ner_reads_first_column_only(tmp_path: Path) -> None:
    f = tmp_path / "in.conll"
    f.write_text("زار\tO\nالرئيس\tO\nبوتفليقة\tB-PERS\nالجزائر\tB-LOC\n\nانتهى\tO\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "marsad.cli", "ner", "--conll", str(f)],
                       capture_output=True, text=True, cwd=ROOT, check=True)
    lines = p.stdout.split("\n")
    assert lines[:6] == ["زار\tO", "الرئيس\tO", "بوتفليقة\tB-PERS", "الجزائر\tB-LOC", "", "انتهى\tO"]
