# Quick start: `make demo` (set up, run over corpus/ into outputs/, print a summary)
# and `make test` (set up, run the whole test suite). Both are idempotent.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei fonts-arphic-uming chromium

.PHONY: setup apt demo test eval bench bench-scan eval-scan corpus corpus-scan corpus-scan-seeds clean

setup: apt $(STAMP)

# system packages: OCR engine (alternative to the default rapidocr) and CJK fonts for the corpus generator
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
	$(VENV)/bin/pip install -q -e '.[test,corpus]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/formpipe run corpus -o outputs
	$(VENV)/bin/formpipe eval --truth corpus/truth --outputs outputs --max-mismatches 20

test: setup
	$(PY) -m pytest -q

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
