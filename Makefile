# marsad — the two set-up commands are `make run` and `make test` (see README).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= sqlite:///./marsad.db
PORT ?= 8765

.PHONY: run test install bench train train-vocab kb clean

$(BIN)/marsad: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e ".[test]"
	touch $(BIN)/marsad

install: $(BIN)/marsad

## Main job: ingest the bundled sample articles into ./marsad.db, print the summary report, then serve the
## API and web interface on http://127.0.0.1:8765/ (URL printed; Ctrl-C stops it).
run: install
	$(BIN)/marsad ingest --db $(DB) "$$($(BIN)/marsad samples)"
	$(BIN)/marsad docs --db $(DB)
	$(BIN)/marsad stats --db $(DB)
	$(BIN)/marsad serve --db $(DB) --host 127.0.0.1 --port $(PORT)

## Tests (PostgreSQL tests also run when MARSAD_TEST_PG_URL is set, as in CI).
test: install
	$(BIN)/python -m pytest -q

## Benchmarks over SaudiNewsNet (needs ../shared); results go to bench/out and docs/benchmarks.md.
bench: install
	$(BIN)/python bench/pipeline_bench.py --n 2000

## Retrain the shipped NER model (CRF, ~1 min) from ANERcorp; retrain after kb/data changes.
train: install
	$(BIN)/python -m marsad.models.ner.train --priors --data ../shared/data/anercorp/ANERCorp_CamelLab_train.txt

## Rebuild the shipped data files from their sources.
train-vocab: install
	$(BIN)/python -m marsad.text.build_vocab ../shared/data/anercorp/ANERCorp_CamelLab_train.txt
kb: install
	$(BIN)/pip install -q -e ".[build-data]"
	$(BIN)/python -m marsad.kb.build
	$(BIN)/python -m marsad.kb.build_places

clean:
	rm -rf $(VENV) marsad.db marsad.db-wal marsad.db-shm
