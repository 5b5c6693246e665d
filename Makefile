# Recurrent: the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/recurrent
# The datasets: $RECURRENT_DATA when set, else the shared folder beside the checkout when there is
# one (the loaders fall back to ~/.cache/recurrent/data otherwise).
export RECURRENT_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)

.PHONY: deps build demo test bench peers fixtures results clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product recurrent

# Installs what is missing, builds in release mode and runs the main job: timeseries and
# textgen-rnn on embedded data, then spam-rnn when the SMS spam data is found.
demo: build
	$(RELEASE_BIN) demo

# Installs what is missing and runs the whole test suite.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Throughput of Recurrent alone at the lecture's shapes.
bench: build
	$(RELEASE_BIN) bench

# All nine experiments of the lecture at their defaults, then RESULTS.md (an hour or more on 2 cores).
results: build
	scripts/run-all.py

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
