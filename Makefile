# Quick start: `make demo` (set up, run over corpus/ into outputs/, print a summary)
# and `make test` (set up, run the whole test suite). Both are idempotent.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei fonts-arphic-uming libreoffice-calc-nogui libreoffice-writer-nogui \
	chromium

.PHONY: setup apt demo test lint eval bench bench-scan eval-scan corpus corpus-scan corpus-scan-seeds sweep \
	corpus-office-scan eval-office-scan clean

setup: apt $(STAMP)

# system packages: OCR engine (alternative to the default rapidocr), CJK fonts for the corpus generator,
# LibreOffice (calc, writer) for the office-made forms of corpus/office_export.py and the layout sweep
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  echo "installing $$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@python3 -m venv $(VENV) 2>/dev/null || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq python3-venv >/dev/null; \
	  rm -rf $(VENV); python3 -m venv $(VENV); }
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/formpipe run corpus -o outputs
	$(VENV)/bin/formpipe eval --truth corpus/truth --outputs outputs --max-mismatches 20

test: setup
	$(PY) -m pytest -q

# ruff (style, bugs, complexity) and mypy (types) over the package; .ci/run runs it before the tests.
# mypy sees the package as it is imported through .lint/formpipe, a link to this folder.
lint: setup
	@mkdir -p .lint && ln -sfn .. .lint/formpipe
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# 300 office-made forms (worksheets exported by LibreOffice) through the pipeline, scored against their truth
sweep: setup
	PYTHONPATH=. $(PY) bench/sweep_office.py --count 300 --seed 1 --out bench/data/sweep

eval: setup
	$(VENV)/bin/formpipe eval --truth corpus/truth --outputs outputs

bench: setup
	$(PY) bench/bench_born_digital.py

corpus: setup
	$(PY) -m corpus.generate
	$(PY) -m corpus.scan --committed

# full scanned sets for measuring (git-ignored): 14 forms at 300 dpi mild and 200 dpi harsh
corpus-scan: setup
	$(PY) -m corpus.scan --out bench/data/scan300 --dpi 300 --profile mild
	$(PY) -m corpus.scan --out bench/data/scan200 --dpi 200 --profile harsh

# the harsh profile again under other seeds (other seal and pen placements), pooled by eval-scan
HARSH_SEEDS := 11 12 13
corpus-scan-seeds: setup
	for s in $(HARSH_SEEDS); do $(PY) -m corpus.scan --out bench/data/scan200-s$$s --dpi 200 --profile harsh --seed $$s; done

# office-tool-chain forms (OFFICE_SRC: pdf/ + truth/; by default OFFICE_COUNT LibreOffice-made
# forms, generated when absent) as offices scan and photograph them (git-ignored): 300 dpi
# office-mild, 200 dpi office-harsh, phone photos; scored by eval-office-scan
OFFICE_SRC ?= bench/data/office
OFFICE_COUNT ?= 10
OFFICE_FORMS ?=
OFFICE_SETS := office-scan300 office-scan200 office-photo
corpus-office-scan: setup
	@[ -d $(OFFICE_SRC)/pdf ] || $(PY) -m corpus.office_export --count $(OFFICE_COUNT) --seed 1 --out $(OFFICE_SRC)
	$(PY) -m corpus.scan --src $(OFFICE_SRC) $(if $(OFFICE_FORMS),--forms $(OFFICE_FORMS)) --out bench/data/office-scan300 --profile office-mild
	$(PY) -m corpus.scan --src $(OFFICE_SRC) $(if $(OFFICE_FORMS),--forms $(OFFICE_FORMS)) --out bench/data/office-scan200 --profile office-harsh
	$(PY) -m corpus.scan --src $(OFFICE_SRC) $(if $(OFFICE_FORMS),--forms $(OFFICE_FORMS)) --out bench/data/office-photo --profile photo

eval-office-scan: setup
	@[ -d bench/data/office-photo ] || $(MAKE) corpus-office-scan
	$(PY) bench/eval_scanned.py $(foreach s,$(OFFICE_SETS),bench/data/$(s))

eval-scan: setup
	@[ -d bench/data/scan300 ] || $(MAKE) corpus-scan
	@[ -d bench/data/scan200-s13 ] || $(MAKE) corpus-scan-seeds
	$(PY) bench/eval_scanned.py bench/data/scan300
	$(PY) bench/eval_scanned.py bench/data/scan200 $(foreach s,$(HARSH_SEEDS),bench/data/scan200-s$(s))

bench-scan: setup
	@[ -d bench/data/scan300 ] || $(MAKE) corpus-scan
	taskset -c 0 $(PY) bench/bench_scanned.py --runs 3 bench/data/scan300/pdf

clean:
	rm -rf outputs .pytest_cache
