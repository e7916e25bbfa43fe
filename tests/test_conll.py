"""Contract 2: `marsad ner --conll FILE` tags tokens in ANERcorp's BIO scheme."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from marsad.conll import tag_conll

ROOT = Path(__file__).resolve().parents[1]

LINES = ["قال O", "اللواء O", "المتقاعد O", "خليفة B-PERS", "حفتر I-PERS", "إن O", "قواته O",
         "دخلت O", "طرابلس B-LOC", ". O", "", "وأعلنت O", "وزارة B-ORG", "الخارجية I-ORG",
         "الجزائرية I-ORG", "ذلك O", ""]


def _tags(out: list[str]) -> dict[str, str]:
    return dict(line.split("\t") for line in out if line)


def test_model_tags_persons_and_places_and_keeps_sentence_breaks() -> None:
    out = list(tag_conll(line + "\n" for line in LINES))
    assert len(out) == len(LINES)
    assert out[10] == "" and out[16] == ""
    tags = _tags(out)
    assert tags["خليفة"] == "B-PERS" and tags["حفتر"] == "I-PERS"
    assert tags["اللواء"] == "O"  # the title is not part of the name
    assert tags["طرابلس"] == "B-LOC"
    assert tags["قال"] == "O" and tags["."] == "O"
    # well-formed BIO: every I- continues an entity of its own type
    seq = [line.split("\t")[1] for line in out if line]
    for prev, cur in zip(["O"] + seq, seq):
        assert not cur.startswith("I-") or prev[2:] == cur[2:]


def test_rule_layer_tags_organisations_with_heads() -> None:
    tags = _tags(list(tag_conll((line + "\n" for line in LINES), rules=True)))
    assert tags["وزارة"] == "B-ORG" and tags["الخارجية"] == "I-ORG"
    assert tags["خليفة"] == "B-PERS" and tags["طرابلس"] == "B-LOC"


def test_cli_ner_reads_first_column_only(tmp_path: Path) -> None:
    f = tmp_path / "in.conll"
    f.write_text("زار\tO\nالرئيس\tO\nبوتفليقة\tB-PERS\nمدينة\tO\nوهران\tB-LOC\n\nانتهى\tO\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "marsad.cli", "ner", "--conll", str(f)],
                       capture_output=True, text=True, cwd=ROOT, check=True)
    lines = p.stdout.split("\n")
    assert [x.split("\t")[0] for x in lines[:7]] == ["زار", "الرئيس", "بوتفليقة", "مدينة", "وهران", "", "انتهى"]
    assert lines[2] == "بوتفليقة\tB-PERS" and lines[4] == "وهران\tB-LOC" and lines[5] == ""
