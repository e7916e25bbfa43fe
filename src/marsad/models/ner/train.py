"""Train the shipped NER model (CRF, ANERcorp scheme) from ANERcorp CAMeL Lab train.

    python -m marsad.models.ner.train [--data ../shared/data/anercorp/ANERCorp_CamelLab_train.txt]
                                      [--out src/marsad/models/ner/data/ner_crf.crfsuite] [--limit N]

Deterministic: the input is read in file order, CRFsuite's L-BFGS has no random state, and the
feature lists are built in a fixed order. ``--limit N`` trains on the first N sentences (CI smoke test).
ANERcorp (Benajiba et al. 2007; CAMeL Lab splits, Obeid et al. 2020) is CC BY-SA 4.0.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from marsad.models.ner.evaluate import read_conll
from marsad.models.ner.features import Featurizer, entities_of, kb_lexicons, label_stats, name_index

HERE = Path(__file__).resolve().parent
MODEL = HERE / "data" / "ner_crf.crfsuite"
DEFAULT_DATA = HERE.parents[3].parent / "shared" / "data" / "anercorp" / "ANERCorp_CamelLab_train.txt"

PARAMS = {
    "c1": 0.05,
    "c2": 0.02,
    "max_iterations": 200,
    "feature.possible_transitions": True,
}


INNER_FOLDS = 5


def names_path(model: str | Path) -> Path:
    return Path(str(model) + ".names.tsv")


def write_names(path: Path, entities) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("# entity names of the training data (ANERcorp CAMeL Lab train, CC BY-SA 4.0): type<TAB>words\n")
        for key, t in sorted(set(entities)):
            f.write(t + "\t" + " ".join(key) + "\n")


def read_names(path: Path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            t, _, words = line.rstrip("\n").partition("\t")
            out.append((tuple(words.split(" ")), t))
    return out


def priors_path(model: str | Path) -> Path:
    return Path(str(model) + ".priors.tsv")


def write_priors(path: Path, stats) -> None:
    """Label priors of the training words seen twice or more (the rest never make a feature)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("# label counts of the words of the training data (ANERcorp CAMeL Lab train, CC BY-SA 4.0): "
                "word<TAB>occurrences<TAB>TYPE:count,…\n")
        for w in sorted(stats):
            total, by = stats[w]
            if total >= 2:
                f.write(f"{w}\t{total}\t" + ",".join(f"{t}:{c}" for t, c in sorted(by.items())) + "\n")


def read_priors(path: Path) -> "dict[str, tuple[int, dict[str, int]]]":
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            w, total, by = line.rstrip("\n").split("\t")
            out[w] = (int(total), {t: int(c) for t, _, c in (x.partition(":") for x in by.split(",") if x)})
    return out


def ctx_path(model: str | Path) -> Path:
    """Marker next to a model trained with document-context features (holds the window size K)."""
    return Path(str(model) + ".ctx")


def read_ctx(model: str | Path) -> tuple[int, set[str]]:
    """(document-context window K, 0 for none; feature options) of a model, from its ``.ctx`` marker
    ("K [names] [parts]": names = the context records training-name matches, parts = name-part
    features from the training names)."""
    cp = ctx_path(model)
    if not cp.exists():
        return 0, set()
    parts = cp.read_text().split()
    return (int(parts[0]) if parts else 0), set(parts[1:])


def features(sents, use_names: bool = True, inner_folds: int = INNER_FOLDS, rules=None, use_kb: bool = True,
             ctx: int = 0, ctx_names: bool = False, name_parts: bool = False, priors: bool = False):
    """Feature lists of the training sentences and the name list the runtime tagger will use.

    With ``use_names`` the entities of the training data become a gazetteer feature. Built from all
    of train and used on train it would fire on every training entity and the model would learn to
    trust it blindly (recall collapses on unseen names), so each contiguous block of the training
    data gets the gazetteer of the *other* blocks (as a held-out article would see it).

    With ``ctx`` > 0 each sentence also gets document-context features from its ±ctx neighbouring
    sentences (label-free: raw text only; see Featurizer.context_features). With ``ctx_names`` the
    context also records which occurrences lie inside a match of the (cross-fold) training names; the
    context is then built per block, from that block's sentences and name list only, so no block
    sees the names of its own sentences even across a block boundary."""
    from marsad.models.ner.features import Lexicons

    lex = kb_lexicons() if use_kb else Lexicons()
    toks = [[t for t, _ in s] for s in sents]
    cx = Featurizer(lex).context_features(toks, ctx) if ctx and not (ctx_names and use_names) else [None] * len(sents)
    if not use_names or len(sents) < inner_folds * 2:
        fz = Featurizer(lex, rules=rules)
        return [fz.sentence(t, extra=c) for t, c in zip(toks, cx)], []
    n = len(sents)
    xs = []
    for k in range(inner_folds):
        lo, hi = n * k // inner_folds, n * (k + 1) // inner_folds
        fz = Featurizer(lex, name_index(entities_of(sents[:lo] + sents[hi:])), rules=rules, name_parts=name_parts,
                        priors=label_stats(sents[:lo] + sents[hi:]) if priors else None)
        if ctx and ctx_names:
            fz.ctx_names = True
            xs.extend(fz.document(toks[lo:hi], ctx))
            continue
        xs.extend(fz.sentence(toks[i], extra=cx[i]) for i in range(lo, hi))
    return xs, entities_of(sents)


def train_crf(sents: list[list[tuple[str, str]]], out: str | Path, use_names: bool = True,
              use_rules: bool = False, params: dict | None = None, verbose: bool = False,
              use_kb: bool = True, ctx: int = 0, ctx_names: bool = False, name_parts: bool = False,
              priors: bool = False) -> Path:
    import pycrfsuite

    rules = None
    if use_rules:
        from marsad.models.ner.features import RuleLayer

        rules = RuleLayer()
    xs, names = features(sents, use_names, rules=rules, use_kb=use_kb, ctx=ctx, ctx_names=ctx_names,
                         name_parts=name_parts, priors=priors)
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=verbose)
    for x, s in zip(xs, sents):
        trainer.append(x, [g for _, g in s])
    trainer.set_params({**PARAMS, **(params or {})})
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    np_ = names_path(out)
    if names:
        write_names(np_, names)
    elif np_.exists():
        np_.unlink()
    cp = ctx_path(out)
    opts = [o for o, on in (("names", ctx and ctx_names), ("parts", name_parts), ("priors", priors)) if on and names]
    pp = priors_path(out)
    if priors and names:
        write_priors(pp, label_stats(sents))
    elif pp.exists():
        pp.unlink()
    if ctx or opts:
        cp.write_text(" ".join([str(ctx), *opts]) + "\n")
    elif cp.exists():
        cp.unlink()
    rp = Path(str(out) + ".rules")
    if use_rules:
        rp.write_text("the model was trained with the rule layer's mentions as features\n")
    elif rp.exists():
        rp.unlink()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(MODEL))
    ap.add_argument("--limit", type=int, default=0, help="train on the first N sentences only")
    ap.add_argument("--max-iterations", type=int, default=PARAMS["max_iterations"])
    ap.add_argument("--ctx", type=int, default=0,
                    help="document-context features from the ±N neighbouring sentences (0: off)")
    ap.add_argument("--ctx-names", action="store_true",
                    help="the document context also records training-name matches (with --ctx)")
    ap.add_argument("--name-parts", action="store_true", help="name-part features from the training names")
    ap.add_argument("--priors", action="store_true", help="label-prior features of the training words")
    a = ap.parse_args(argv)
    sents = read_conll(a.data)
    if a.limit:
        sents = sents[: a.limit]
    t0 = time.time()
    out = train_crf(sents, a.out, params={"max_iterations": a.max_iterations}, ctx=a.ctx,
                    ctx_names=a.ctx_names, name_parts=a.name_parts, priors=a.priors)
    print(f"trained on {len(sents)} sentences, {sum(map(len, sents))} tokens in {time.time() - t0:.1f}s -> {out} "
          f"({out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
