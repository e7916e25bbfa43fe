"""The shipped NER model (models/ner): loads, tags real Arabic sentences, and retrains on a slice."""
from __future__ import annotations

from pathlib import Path

from marsad.models.ner import NerTagger, load_tagger
from marsad.models.ner.evaluate import Scorer, read_conll, spans
from marsad.models.ner.features import readings
from marsad.models.ner.train import MODEL, train_crf

ROOT = Path(__file__).resolve().parents[1]
ANERCORP = ROOT.parent / "shared" / "data" / "anercorp" / "ANERCorp_CamelLab_train.txt"


def _ents(tokens: list[str], tags: list[str]) -> set[tuple[str, str]]:
    return {(" ".join(tokens[a:b]), t) for a, b, t in spans(tags)}


def test_shipped_model_is_small_and_loads() -> None:
    size = sum(p.stat().st_size for p in MODEL.parent.iterdir() if p.is_file())
    assert MODEL.exists() and size < 50e6
    assert NerTagger().tag(["الجزائر"]) == ["B-LOC"]  # loads and answers


def test_tags_known_entities() -> None:
    tg = load_tagger()
    toks = "وقال الرئيس الفرنسي جاك شيراك في باريس إن الأمم المتحدة يجب أن تتحرك .".split()
    ents = _ents(toks, tg.tag(toks))
    assert ("جاك شيراك", "PERS") in ents
    assert ("باريس", "LOC") in ents
    assert ("الأمم المتحدة", "ORG") in ents
    toks = "وصرح الرئيس عبد العزيز بوتفليقة للصحفيين في وهران .".split()
    tags = tg.tag(toks)
    assert len(tags) == len(toks)
    ents = _ents(toks, tags)
    assert ("عبد العزيز بوتفليقة", "PERS") in ents  # the title الرئيس stays outside
    assert ("وهران", "LOC") in ents
    assert tags[0] == "O" and tags[-1] == "O"
    toks = "وقال اللواء خليفة حفتر إن قواته دخلت طرابلس .".split()
    ents = _ents(toks, tg.tag(toks))
    assert ("خليفة حفتر", "PERS") in ents and ("طرابلس", "LOC") in ents


def test_tags_are_bio_over_anercorp_types() -> None:
    tg = load_tagger()
    toks = "أعلنت شركة جنرال موتورز الأمريكية في ديترويت عن خطة جديدة ، حسب وكالة رويترز .".split()
    for t in tg.tag(toks):
        assert t == "O" or t[:2] in ("B-", "I-") and t[2:] in ("PERS", "LOC", "ORG", "MISC")
    assert tg.tag([]) == []


def test_clitic_readings() -> None:
    rd = dict(readings("وبالجزائر"))
    assert rd["وب"] == "الجزائر"
    assert ("ول", "الجزائر") in readings("وللجزائر") or ("لل", "الجزائر") in readings("للجزائر")


def test_smoke_training_on_a_slice(tmp_path: Path) -> None:
    assert ANERCORP.exists(), f"{ANERCORP} is needed (../shared beside the repository, as in CI)"
    sents = read_conll(ANERCORP)
    train, test = sents[:500], sents[500:600]
    model = train_crf(train, tmp_path / "m.crfsuite", params={"max_iterations": 50})
    tg = NerTagger(model)
    sc = Scorer()
    for s in test:
        sc.add([g for _, g in s], tg.tag([t for t, _ in s]))
    assert sc.micro()[2] > 0.3  # a working tagger, not a good one (500 sentences, 50 iterations)


def test_context_model_tags_documents_consistently(tmp_path: Path) -> None:
    assert ANERCORP.exists(), f"{ANERCORP} is needed (../shared beside the repository, as in CI)"
    sents = read_conll(ANERCORP)
    model = train_crf(sents[:300], tmp_path / "ctx.crfsuite", params={"max_iterations": 30}, ctx=10)
    tg = NerTagger(model)
    assert tg.ctx == 10
    doc = [[t for t, _ in s] for s in sents[300:320]]
    tags = tg.tag_document(doc)
    with_marg = tg.tag_document_with_marginals(doc)
    assert [t for t, _ in with_marg] == tags
    assert [len(t) for t in tags] == [len(s) for s in doc]
    assert all(0.0 <= p <= 1.0 for _, m in with_marg for p in m)


def test_context_counts_match_a_plain_scan() -> None:
    """The indexed document context (``cx=``: in how many of the ±k other sentences the word recurs,
    under any clitic reading) agrees with a plain scan of the window, on real ANERcorp sentences."""
    from marsad.models.ner.features import Featurizer, kb_lexicons

    sents = [[t for t, _ in s] for s in read_conll(ANERCORP)[:60]]
    fz = Featurizer(kb_lexicons())
    k = 3
    feats = fz.context_features(sents, k)
    keys = [[fz._ctx_word(t)[0] if fz.word(t)[0][3] in ("sh=ar", "sh=lat") else frozenset() for t in s]
            for s in sents]
    checked = 0
    for si, s in enumerate(sents):
        for i in range(len(s)):
            kk = keys[si][i]
            cnt = sum(1 for sj in range(max(0, si - k), min(len(sents), si + k + 1))
                      if sj != si and any(kk & x for x in keys[sj]))
            want = [] if not cnt else ["cx=" + ("1" if cnt == 1 else "2" if cnt < 4 else "3")]
            assert [x for x in feats[si][i] if x.startswith("cx=")] == want, (si, i, s[i])
            checked += bool(cnt)
    assert checked > 100  # the window really finds recurring words


def test_name_options_travel_with_the_model(tmp_path: Path) -> None:
    """A model trained with the context's training-name flags and name-part features records them
    beside itself, and its tagger turns them back on (else run-time features would differ)."""
    sents = read_conll(ANERCORP)
    model = train_crf(sents[:300], tmp_path / "opt.crfsuite", params={"max_iterations": 20}, ctx=5,
                      ctx_names=True, name_parts=True, priors=True)
    tg = NerTagger(model)
    assert (tg.ctx, tg.fz.ctx_names) == (5, True)
    assert tg.fz.parts and any(x.startswith("np") for x in tg.fz.known)
    assert tg.fz.priors and any(x.startswith("lb") for x in tg.fz.known)
    plain = NerTagger(train_crf(sents[:300], tmp_path / "plain.crfsuite", params={"max_iterations": 20}))
    assert (plain.ctx, plain.fz.ctx_names, plain.fz.parts, plain.fz.priors) == (0, False, {}, {})


def test_label_priors_of_training_words() -> None:
    """A word mostly inside PERS entities in training gets lb=PERS, a frequent never-entity word lbO,
    a word seen once nothing (and the counts come from the BIO tags, per normalised word)."""
    from marsad.models.ner.features import Featurizer, Lexicons, label_stats

    sents = [[("قال", "O"), ("حسني", "B-PERS"), ("مبارك", "I-PERS")],
             [("عيد", "O"), ("مبارك", "O"), ("قال", "O")],
             [("الرئيس", "O"), ("مبارك", "B-PERS"), ("قال", "O"), ("القاهرة", "B-LOC")]]
    st = label_stats(sents)
    assert st["مبارك"] == (3, {"PERS": 2}) and st["قال"] == (3, {})
    fz = Featurizer(Lexicons(), priors=st)
    assert "lb=PERS" in fz.word("مبارك")[0] and "lbO" in fz.word("قال")[0]
    assert not [x for x in fz.word("القاهرة")[0] if x.startswith("lb")]
