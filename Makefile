# Xietong — the two commands of the README:  make demo  ·  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PORT

.PHONY: demo serve test check lint typecheck pytest bench bench-scale bench-smoke openapi messages install install-dev system-deps assets clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Browser libraries from the npm registry (package-lock.json), served as local static files: no CDN.
ECHARTS := xietong/static/vendor/echarts/echarts.min.js
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
$(ECHARTS): node_modules/.package-lock.json
	mkdir -p $(dir $@)
	cp node_modules/echarts/dist/echarts.min.js $@
assets: system-deps $(ECHARTS)

system-deps:
	scripts/system-deps.sh run

messages: install
	$(BIN)/python manage.py compilemessages --ignore='.venv/*' -v0

## make demo: install, migrate, load the demo region if empty, start web server and worker.
demo: install system-deps messages assets
	$(BIN)/python manage.py migrate -v0
	$(BIN)/python manage.py load_demo
	scripts/run-demo.sh

## make serve: the production profile on PostgreSQL: WEB_CONCURRENCY gunicorn processes, TASK_WORKERS
## task workers and the scheduler (DATABASE_URL and SECRET_KEY required; docs/operations.md).
serve: install system-deps messages assets
	scripts/serve.sh

## make test: every check. DATABASE_URL selects PostgreSQL; SQLite otherwise.
test: install-dev messages assets
	scripts/system-deps.sh test
	$(MAKE) --no-print-directory check

check: lint typecheck
	DJANGO_SETTINGS_MODULE=xietong.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=xietong.settings.production SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-production-like-secret-value \
		AUDIT_HMAC_KEY=check-deploy-audit-key-a-long-random-production-like-value PUBLIC_BASE_URL=https://xietong.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/pytest -q -n auto --dist loadfile
	$(MAKE) --no-print-directory bench-smoke

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy xietong

## make bench: the benchmarks at full size (HTTP: gunicorn x2 driven by wrk); figures printed and written to bench/results/.
bench: install-dev
	scripts/system-deps.sh bench
	$(BIN)/python -m bench.lookup
	$(BIN)/python -m bench.batches
	$(BIN)/python -m bench.risk
	$(BIN)/python -m bench.http
	$(BIN)/python -m bench.stats

## make bench-scale: 1,000,000 then 10,000,000 synthetic cases on PostgreSQL (DATABASE_URL naming a database
## whose name contains "bench"; about 25 GB of disk and an hour): lookups, lists, dashboard, table sizes.
bench-scale: install-dev
	$(BIN)/python -m bench.scale --cases 1000000
	$(BIN)/python -m bench.scale --cases 10000000

# The smoke run never touches the test database: on PostgreSQL it uses its own (name containing "bench").
BENCH_DATABASE_URL ?= $(if $(DATABASE_URL),$(dir $(DATABASE_URL))xietong_bench_smoke,)
bench-smoke:
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.lookup --smoke
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.batches --smoke
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.risk --smoke
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.stats --smoke

## make openapi: rewrite the committed OpenAPI document after a deliberate API change.
openapi: install-dev
	DJANGO_SETTINGS_MODULE=xietong.settings.test $(BIN)/python manage.py export_openapi docs/openapi.json

clean:
	rm -rf $(VENV) var bench/results/*.json bench/results/*.sqlite3 node_modules xietong/static/vendor
