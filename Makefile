# Convenience wrapper around CMake for people (the build itself is CMake + ctest).
#   make run    start the service on embedded defaults (own PostgreSQL, simulated training)
#   make stop   stop the PostgreSQL of `make run` (it stops by itself when `make run` ends)
#   make test   install what is missing, build, run the whole suite, plain and sanitized
#   make faults the fault suite alone (plain build), then its figures
#   make build | make bench | make lint | make clean
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure -j$(JOBS)

.PHONY: all build build-asan deps test test-plain test-asan faults run stop bench lint format clean

all: build

deps:
	@scripts/deps.sh test

$(BUILD)/Makefile:
	@scripts/deps.sh build
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	@scripts/deps.sh build
	cmake --build $(BUILD) -j$(JOBS)

build-asan:
	@scripts/deps.sh build
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DAB_SANITIZE=ON \
	  -DAB_TEST_PHOTOS_DIR=$(CURDIR)/$(BUILD)/test-photos
	cmake --build $(BUILD_ASAN) -j$(JOBS)

test: deps
	$(MAKE) test-plain
	$(MAKE) test-asan

test-plain: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

test-asan: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS)

# One scenario at a time: each one times its faults (make test runs them with the rest).
faults: build
	rm -f $(BUILD)/test-logs/faults-*.figure
	cd $(BUILD) && ctest -L faults --output-on-failure
	@echo "Fault suite figures:" && cat $(BUILD)/test-logs/faults-*.figure

run: deps build
	@scripts/run.sh $(BUILD)

stop:
	@scripts/pgcluster.sh stop $(BUILD)/run-pg

bench: deps build
	@bench/run.sh $(BUILD)

# The layering (which folder of src/ may include which) is tests/lint/layers.txt.
# The message catalogues are left as written: clang-format 14 counts UTF-8 bytes as columns and
# splits Russian strings mid-phrase (and again on every run).
FORMATTED = $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' | grep -v '^src/ui/messages_source\.c$$')

lint:
	clang-format --dry-run --Werror $(FORMATTED)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --std=c11 -I src --suppress=missingIncludeSystem src
	python3 tests/lint/layers.py --readme

format:
	clang-format -i $(FORMATTED)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
