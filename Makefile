# The README's two commands are `make demo` and `make test`; the rest are conveniences.
.PHONY: demo test setup lint format unit broker-start broker-stop schemas docs

demo:            ## local broker + worker + the bundled samples through the pipeline
	bash dev/demo.sh

test: setup      ## the whole test suite, unit and against a real local Kafka broker
	.venv/bin/pytest

setup:
	bash dev/setup.sh

unit: setup      ## pure cores only, no Kafka
	.venv/bin/pytest -m unit

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

schemas: setup   ## re-export the JSON Schema files after a model change
	.venv/bin/news-ingest schema export schemas

docs: setup      ## the docs site (docs/, mkdocs.yml) into site/; every page and link checked
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir site

broker-start:
	bash dev/kafka.sh start

broker-stop:
	bash dev/kafka.sh stop
