"""Char+word BiLSTM-CRF NER tagger (ANERcorp scheme: PERS, LOC, ORG, MISC), torch on CPU. Experimental.

    python -m marsad.models.ner.bilstm [--data ANERCorp_CamelLab_train.txt] [--out data/ner_bilstm.pt]
                                       [--epochs 20] [--limit N]

Not the shipped model on its own: ``load_ensemble()`` averages its marginals with the shipped CRF's
(bench/ner_bilstm_cv.py; docs/models.md "BiLSTM-CRF experiments"). Needs ``torch`` (2.13.0, CPU).

Inputs per token: a word embedding of the normalised form (learned from the training data only, no
pretrained vectors), a char-CNN over the raw token, and a summed embedding of the CRF featurizer's
non-lexical features (shape, length, KB gazetteer hits, multi-word gazetteer/title B/I/before/after,
and the cross-fold training-entity gazetteer ``tr*``). A linear-chain CRF with BIO constraints on top.

Deterministic: fixed seeds, ``torch.use_deterministic_algorithms(True)``, single-process data order.
"""
from __future__ import annotations

import random
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from marsad.models.ner.features import Featurizer, kb_lexicons, name_index
from marsad.text.normalize import normalize

TAGS = ["O", "B-PERS", "I-PERS", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
T2I = {t: i for i, t in enumerate(TAGS)}
MODEL = Path(__file__).resolve().parent / "data" / "ner_bilstm.pt"
_FEAT_PREFIXES = ("sh=", "len=", "gz", "giv", "sur", "head", "title", "nonname", "namesuf", "particle",
                  "mg", "mt", "tr")
_DIG = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]")
MAXCH = 20

DEFAULTS = {"wdim": 100, "cdim": 30, "cfilt": 50, "fdim": 32, "hidden": 128, "dropout": 0.5,
            "epochs": 20, "batch": 16, "lr": 1e-3, "unk_p": 0.5, "seed": 1, "use_feats": True}


def dense_feats(crf_feats: list[list[str]]) -> list[list[str]]:
    """The token's own non-lexical features out of a CRF feature list (window/lexical ones dropped)."""
    return [[f for f in fs if ":" not in f and f.startswith(_FEAT_PREFIXES)] for fs in crf_feats]


def wkey(w: str) -> str:
    return _DIG.sub("0", normalize(w))


def allowed(prev: str, cur: str) -> bool:
    if cur.startswith("I-"):
        return prev != "O" and prev is not None and prev[2:] == cur[2:]
    return True


class CRF(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.trans = nn.Parameter(torch.zeros(n, n))  # trans[i, j]: i -> j
        self.start = nn.Parameter(torch.zeros(n))
        self.end = nn.Parameter(torch.zeros(n))
        mask = torch.zeros(n, n)
        smask = torch.zeros(n)
        for i, a in enumerate(TAGS):
            for j, b in enumerate(TAGS):
                if not allowed(a, b):
                    mask[i, j] = -1e4
            if TAGS[i].startswith("I-"):
                smask[i] = -1e4
        self.register_buffer("tmask", mask)
        self.register_buffer("smask", smask)

    def _t(self):
        return self.trans + self.tmask, self.start + self.smask

    def nll(self, em: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """em (B, L, n), y (B, L), mask (B, L) bool; summed negative log-likelihood."""
        tr, st = self._t()
        B, L, n = em.shape
        # gold score
        s = st[y[:, 0]] + em[:, 0].gather(1, y[:, :1]).squeeze(1)
        for t in range(1, L):
            m = mask[:, t]
            s = s + (tr[y[:, t - 1], y[:, t]] + em[:, t].gather(1, y[:, t:t + 1]).squeeze(1)) * m
        lens = mask.sum(1) - 1
        last = y.gather(1, lens.unsqueeze(1)).squeeze(1)
        s = s + self.end[last]
        # partition
        a = st.unsqueeze(0) + em[:, 0]
        for t in range(1, L):
            nxt = torch.logsumexp(a.unsqueeze(2) + tr.unsqueeze(0), dim=1) + em[:, t]
            a = torch.where(mask[:, t:t + 1], nxt, a)
        z = torch.logsumexp(a + self.end.unsqueeze(0), dim=1)
        return (z - s).sum()

    def viterbi(self, em: torch.Tensor) -> list[int]:
        """One sentence: em (L, n)."""
        tr, st = self._t()
        L, n = em.shape
        v = st + em[0]
        back = []
        for t in range(1, L):
            sc = v.unsqueeze(1) + tr
            best, idx = sc.max(0)
            back.append(idx)
            v = best + em[t]
        v = v + self.end
        i = int(v.argmax())
        path = [i]
        for idx in reversed(back):
            i = int(idx[i])
            path.append(i)
        return path[::-1]

    def marginals(self, em: torch.Tensor) -> torch.Tensor:
        """One sentence: (L, n) posterior marginals."""
        tr, st = self._t()
        L, n = em.shape
        al = [st + em[0]]
        for t in range(1, L):
            al.append(torch.logsumexp(al[-1].unsqueeze(1) + tr, 0) + em[t])
        be = [self.end.clone()]
        for t in range(L - 1, 0, -1):
            be.append(torch.logsumexp(tr + (em[t] + be[-1]).unsqueeze(0), 1))
        be = be[::-1]
        a = torch.stack(al)
        b = torch.stack(be)
        z = torch.logsumexp(a[-1] + self.end, 0)
        return torch.exp(a + b - z)


class BiLstmCrf(nn.Module):
    def __init__(self, nw: int, nc: int, nf: int, cfg: dict) -> None:
        super().__init__()
        self.cfg = cfg
        self.wemb = nn.Embedding(nw, cfg["wdim"], padding_idx=0)
        self.cemb = nn.Embedding(nc, cfg["cdim"], padding_idx=0)
        self.conv = nn.Conv1d(cfg["cdim"], cfg["cfilt"], 3, padding=1)
        din = cfg["wdim"] + cfg["cfilt"]
        if cfg["use_feats"]:
            self.femb = nn.EmbeddingBag(nf, cfg["fdim"], mode="sum", padding_idx=0)
            din += cfg["fdim"]
        self.drop = nn.Dropout(cfg["dropout"])
        self.lstm = nn.LSTM(din, cfg["hidden"], batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * cfg["hidden"], len(TAGS))
        self.crf = CRF(len(TAGS))

    def emissions(self, w, c, f, lens):
        B, L = w.shape
        x = [self.wemb(w)]
        ce = self.cemb(c.view(B * L, -1)).transpose(1, 2)  # (BL, cdim, MAXCH)
        ch = torch.relu(self.conv(ce)).max(2).values.view(B, L, -1)
        x.append(ch)
        if self.cfg["use_feats"]:
            x.append(self.femb(f.view(B * L, -1)).view(B, L, -1))
        h = self.drop(torch.cat(x, -1))
        packed = nn.utils.rnn.pack_padded_sequence(h, lens, batch_first=True, enforce_sorted=False)
        o, _ = self.lstm(packed)
        o, _ = nn.utils.rnn.pad_packed_sequence(o, batch_first=True, total_length=L)
        return self.out(self.drop(o))


class Vocab:
    def __init__(self, sents_tokens, feats, min_count: int = 1) -> None:
        wc = Counter(wkey(t) for s in sents_tokens for t in s)
        self.w = {"<pad>": 0, "<unk>": 1}
        for w, c in sorted(wc.items(), key=lambda x: (-x[1], x[0])):
            if c >= min_count:
                self.w[w] = len(self.w)
        self.singleton = {self.w[w] for w, c in wc.items() if c == 1 and w in self.w}
        cc = Counter(ch for s in sents_tokens for t in s for ch in t)
        self.c = {"<pad>": 0, "<unk>": 1}
        for ch, _ in sorted(cc.items(), key=lambda x: (-x[1], x[0])):
            self.c[ch] = len(self.c)
        fc = Counter(f for s in feats for fs in s for f in fs)
        self.f = {"<pad>": 0}
        for f, _ in sorted(fc.items(), key=lambda x: (-x[1], x[0])):
            self.f[f] = len(self.f)

    def encode(self, tokens, feats):
        w = [self.w.get(wkey(t), 1) for t in tokens]
        c = [[self.c.get(ch, 1) for ch in t[:MAXCH]] for t in tokens]
        f = [[self.f[x] for x in fs if x in self.f] for fs in feats]
        return w, c, f


def _batch(items, unk_p: float = 0.0, singleton=frozenset(), rng=None):
    L = max(len(it[0]) for it in items)
    B = len(items)
    F = max(1, max((len(x) for it in items for x in it[2]), default=1))
    w = torch.zeros(B, L, dtype=torch.long)
    c = torch.zeros(B, L, MAXCH, dtype=torch.long)
    f = torch.zeros(B, L, F, dtype=torch.long)
    y = torch.zeros(B, L, dtype=torch.long)
    mask = torch.zeros(B, L, dtype=torch.bool)
    lens = []
    for b, it in enumerate(items):
        ws, cs, fs = it[0], it[1], it[2]
        n = len(ws)
        lens.append(n)
        for i in range(n):
            wi = ws[i]
            if unk_p and wi in singleton and rng.random() < unk_p:
                wi = 1
            w[b, i] = wi
            if cs[i]:
                c[b, i, :len(cs[i])] = torch.tensor(cs[i])
            if fs[i]:
                f[b, i, :len(fs[i])] = torch.tensor(fs[i])
        if len(it) > 3:
            y[b, :n] = torch.tensor(it[3])
        mask[b, :n] = True
    return w, c, f, y, mask, torch.tensor(lens)


def setup(threads: int = 1, seed: int = 1) -> None:
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    random.seed(seed)
    torch.use_deterministic_algorithms(True)


def train(sents: list[list[tuple[str, str]]], cfg: dict | None = None, use_names: bool = True,
          verbose: bool = True, threads: int = 1) -> "BiLstmTagger":
    from marsad.models.ner import train as T

    cfg = {**DEFAULTS, **(cfg or {})}
    setup(threads, cfg["seed"])
    t0 = time.time()
    xs, names = T.features(sents, use_names=use_names)
    feats = dense_feats_all(xs)
    toks = [[t for t, _ in s] for s in sents]
    voc = Vocab(toks, feats)
    data = [voc.encode(tk, fs) + ([T2I[g] for g in bio_fix([g for _, g in s])],) for tk, fs, s in zip(toks, feats, sents)]
    if verbose:
        print(f"features {time.time() - t0:.0f}s; words {len(voc.w)} chars {len(voc.c)} feats {len(voc.f)}", flush=True)
    model = BiLstmCrf(len(voc.w), len(voc.c), len(voc.f), cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    rng = random.Random(cfg["seed"])
    # batches of similar length (less padding), shuffled each epoch
    order = sorted(range(len(data)), key=lambda i: (len(data[i][0]), i))
    bs = cfg["batch"]
    batches = [order[i:i + bs] for i in range(0, len(order), bs)]
    for ep in range(cfg["epochs"]):
        model.train()
        rng.shuffle(batches)
        tot, t1 = 0.0, time.time()
        for bi in batches:
            w, c, f, y, mask, lens = _batch([data[i] for i in bi], cfg["unk_p"], voc.singleton, rng)
            em = model.emissions(w, c, f, lens)
            loss = model.crf.nll(em, y, mask) / len(bi)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += float(loss.detach()) * len(bi)
        if verbose:
            print(f"epoch {ep + 1}: loss {tot / len(data):.3f} ({time.time() - t1:.0f}s)", flush=True)
    model.eval()
    return BiLstmTagger(model, voc, name_index(names) if names else None, cfg, names)


def bio_fix(tags: list[str]) -> list[str]:
    """Gold tags made BIO-valid (an I- that does not continue its type becomes B-), as the scorer reads them."""
    out, prev = [], "O"
    for t in tags:
        t = t if t in T2I else "O"
        if t.startswith("I-") and not allowed(prev, t):
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def dense_feats_all(xs):
    return [dense_feats(x) for x in xs]


def np_viterbi(em: np.ndarray, tr: np.ndarray, st: np.ndarray, end: np.ndarray) -> list[int]:
    v = st + em[0]
    back = []
    for t in range(1, len(em)):
        sc = v[:, None] + tr
        idx = sc.argmax(0)
        back.append(idx)
        v = sc[idx, np.arange(len(v))] + em[t]
    i = int((v + end).argmax())
    path = [i]
    for idx in reversed(back):
        i = int(idx[i])
        path.append(i)
    return path[::-1]


def _lse(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis, keepdims=True))).squeeze(axis)


def np_marginals(em: np.ndarray, tr: np.ndarray, st: np.ndarray, end: np.ndarray) -> np.ndarray:
    L = len(em)
    a = np.empty_like(em)
    b = np.empty_like(em)
    a[0] = st + em[0]
    for t in range(1, L):
        a[t] = _lse(a[t - 1][:, None] + tr, 0) + em[t]
    b[L - 1] = end
    for t in range(L - 1, 0, -1):
        b[t - 1] = _lse(tr + (em[t] + b[t])[None, :], 1)
    z = _lse(a[L - 1] + end, 0)
    return np.exp(a + b - z)


class BiLstmTagger:
    def __init__(self, model: BiLstmCrf, voc: Vocab, names, cfg: dict, entities=None) -> None:
        self.model, self.voc, self.cfg = model, voc, cfg
        self.entities = entities or []
        self.fz = Featurizer(kb_lexicons(), names)
        with torch.no_grad():
            tr, st = model.crf._t()
            self._crf = (tr.double().numpy(), st.double().numpy(), model.crf.end.detach().double().numpy())

    def _em(self, tokens, crf_feats=None):
        fs = dense_feats(crf_feats if crf_feats is not None else self.fz.sentence(tokens))
        w, c, f = self.voc.encode(tokens, fs)
        w, c, f, _, _, lens = _batch([(w, c, f)])
        with torch.no_grad():
            return self.model.emissions(w, c, f, lens)[0].double().numpy()

    def _em_batch(self, sents: list[list[str]], crf_feats=None) -> list[np.ndarray]:
        """Emissions of several non-empty sentences in one padded forward pass."""
        items = []
        for k, toks in enumerate(sents):
            fs = dense_feats(crf_feats[k] if crf_feats is not None else self.fz.sentence(toks))
            items.append(self.voc.encode(toks, fs))
        w, c, f, _, _, lens = _batch(items)
        with torch.no_grad():
            em = self.model.emissions(w, c, f, lens).double().numpy()
        return [em[k, :len(t)] for k, t in enumerate(sents)]

    def tag(self, tokens: list[str]) -> list[str]:
        """BIO tags over PERS, LOC, ORG, MISC for one sentence of tokens."""
        if not tokens:
            return []
        return [TAGS[i] for i in np_viterbi(self._em(tokens), *self._crf)]

    def tag_many(self, sents: list[list[str]], batch: int = 32) -> list[list[str]]:
        """``tag`` over many sentences (e.g. one article's), batched: faster on CPU."""
        out: list[list[str]] = [[] for _ in sents]
        idx = [k for k, t in enumerate(sents) if t]
        for b in range(0, len(idx), batch):
            ks = idx[b:b + batch]
            for k, em in zip(ks, self._em_batch([sents[k] for k in ks])):
                out[k] = [TAGS[i] for i in np_viterbi(em, *self._crf)]
        return out

    def marginals(self, tokens: list[str], crf_feats=None) -> torch.Tensor:
        """(len(tokens), 9) posterior marginals, columns in TAGS order (``crf_feats``: the CRF
        featurizer's lists for these tokens when the caller already has them)."""
        return torch.from_numpy(np_marginals(self._em(tokens, crf_feats), *self._crf))

    def save(self, path: str | Path = MODEL) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        sd = {k: v.to(torch.float16) if v.is_floating_point() else v for k, v in self.model.state_dict().items()}
        torch.save({"cfg": self.cfg, "state": sd, "w": self.voc.w, "c": self.voc.c, "f": self.voc.f,
                    "entities": self.entities}, path)
        return path


def load(path: str | Path = MODEL, threads: int = 1) -> BiLstmTagger:
    torch.set_num_threads(threads)
    d = torch.load(path, weights_only=False)
    voc = Vocab.__new__(Vocab)
    voc.w, voc.c, voc.f, voc.singleton = d["w"], d["c"], d["f"], set()
    model = BiLstmCrf(len(voc.w), len(voc.c), len(voc.f), d["cfg"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in d["state"].items()})
    model.eval()
    ents = [tuple(e) for e in d["entities"]]
    return BiLstmTagger(model, voc, name_index([(tuple(k), t) for k, t in ents]) if ents else None, d["cfg"], ents)


def viterbi_probs(p: torch.Tensor) -> list[str]:
    """Best BIO-valid path through per-token probabilities (L, 9) (no learned transitions)."""
    lp = np.log(np.clip(np.asarray(p, dtype=np.float64), 1e-9, None))
    return [TAGS[i] for i in np_viterbi(lp, _BIO_TR, _BIO_ST, np.zeros(len(TAGS)))]


_BIO_TR = np.array([[0.0 if allowed(a, b) else -1e4 for b in TAGS] for a in TAGS])
_BIO_ST = np.array([-1e4 if t.startswith("I-") else 0.0 for t in TAGS])


class EnsembleTagger:
    """CRF (shipped) + BiLSTM-CRF: the two models' per-token marginals averaged (weight ``w`` on the
    CRF) and decoded to the best BIO-valid path. Both use the same featurizer (KB + training names)."""

    def __init__(self, crf=None, bilstm: BiLstmTagger | None = None, w: float = 0.5) -> None:
        from marsad.models.ner.tagger import NerTagger

        self.crf = crf or NerTagger()
        self.bilstm = bilstm or load()
        self.w = w
        self._labels = set(self.crf._tagger.labels())

    def marginals(self, tokens: list[str]) -> torch.Tensor:
        x = self.crf.fz.sentence(tokens)
        tg = self.crf._tagger
        tg.set(x)
        mc = np.array([[tg.marginal(t, i) if t in self._labels else 0.0 for t in TAGS]
                       for i in range(len(tokens))])
        mb = self.bilstm.marginals(tokens, x).numpy()
        return self.w * mc + (1 - self.w) * mb

    def tag(self, tokens: list[str]) -> list[str]:
        """BIO tags over PERS, LOC, ORG, MISC for one sentence of tokens."""
        if not tokens:
            return []
        return viterbi_probs(self.marginals(tokens))

    def tag_with_marginals(self, tokens: list[str]) -> tuple[list[str], list[float]]:
        """As ``NerTagger.tag_with_marginals``: the tags and each tag's averaged marginal."""
        if not tokens:
            return [], []
        p = self.marginals(tokens)
        tags = viterbi_probs(p)
        return tags, [float(p[i, T2I[t]]) for i, t in enumerate(tags)]

    def _crf_marginals(self, x, n: int) -> np.ndarray:
        tg = self.crf._tagger
        tg.set(x)
        return np.array([[tg.marginal(t, i) if t in self._labels else 0.0 for t in TAGS] for i in range(n)])

    def tag_many(self, sents: list[list[str]], batch: int = 32) -> list[list[str]]:
        """``tag`` over many sentences (e.g. one article's), the BiLSTM batched: same tags, faster."""
        out: list[list[str]] = [[] for _ in sents]
        idx = [k for k, t in enumerate(sents) if t]
        for b in range(0, len(idx), batch):
            ks = idx[b:b + batch]
            xs = [self.crf.fz.sentence(sents[k]) for k in ks]
            ems = self.bilstm._em_batch([sents[k] for k in ks], xs)
            for k, x, em in zip(ks, xs, ems):
                mb = np_marginals(em, *self.bilstm._crf)
                out[k] = viterbi_probs(self.w * self._crf_marginals(x, len(sents[k])) + (1 - self.w) * mb)
        return out


def load_ensemble(w: float = 0.5) -> EnsembleTagger:
    return EnsembleTagger(w=w)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    from marsad.models.ner.evaluate import read_conll
    from marsad.models.ner.train import DEFAULT_DATA

    ap = argparse.ArgumentParser(description="train the BiLSTM-CRF NER model")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(MODEL))
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N sentences only")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    sents = read_conll(a.data)
    if a.limit:
        sents = sents[: a.limit]
    t0 = time.time()
    out = train(sents, {"epochs": a.epochs}, threads=a.threads).save(a.out)
    print(f"trained on {len(sents)} sentences in {time.time() - t0:.0f}s -> {out} ({out.stat().st_size / 1e6:.1f} MB)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
