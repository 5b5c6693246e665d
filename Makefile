# Recurrent: the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/recurrent

.PHONY: deps build demo test bench peers fixtures clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product recurrent

# Installs what is missing, builds in release mode and runs the main job.
demo: build
	$(RELEASE_BIN) demo

# Installs what is missing and runs the whole test suite.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Throughput of Recurrent alone at the lecture's shapes.
bench: build
	$(RELEASE_BIN) bench

# Recurrent against PyTorch and Keras in the same run (creates a Python virtual environment).
peers: build
	bench/compare.sh

# Regenerates the Keras golden files: fixtures/generate.py (layers) and one script per topic (optimizers, losses, …) (needs a virtual environment with tensorflow-cpu and keras).
fixtures:
	scripts/make-fixture-venv.sh
	for script in fixtures/*.py; do \
		$${RECURRENT_FIXTURE_VENV:-$$HOME/.cache/recurrent/fixture-venv}/bin/python $$script || exit 1; \
	done

clean:
	rm -rf .build
