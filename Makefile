# gorilla — build, test, run.  `make run` and `make test` are the two entry
# points; both install missing Debian packages and the pinned grammar first.

VERSION   := 0.1.0
CC        ?= cc
CXX       ?= c++
BUILD     ?= build/release
GRAMMAR   := build/deps/tree-sitter-python-0.20.1
DEPS_STAMP := build/deps/.installed
PKGS      := jansson tree-sitter libcurl libmicrohttpd libpcre2-8
# Evaluated lazily (=), after the deps stamp has installed the packages.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)

OPT       ?= -O2
SANFLAGS  ?=
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
# -ffp-contract=off: no a*b+c fused behind our back, so every kernel set
# rounds the same operations (docs/engine.md, "identical on every path").
CFLAGS_ALL = -std=c11 -ffp-contract=off -D_GNU_SOURCE -DGORILLA_VERSION='"$(VERSION)"' $(OPT) -g $(WARN) $(SANFLAGS) \
             -Iinclude -Isrc -I$(GRAMMAR)/src $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lstdc++ -lpthread -lm

LIB_SRC   := $(sort $(shell find src -name '*.c' -not -path 'src/cli/*'))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TOOL_SRC  := $(sort $(wildcard tools/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
GRAMMAR_OBJ := $(BUILD)/grammar/parser.o $(BUILD)/grammar/scanner.o
LIB       := $(BUILD)/libgorilla.a
BIN       := $(BUILD)/gorilla
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOL_BIN  := $(TOOL_SRC:tools/%.c=$(BUILD)/tools/%)
# Code only tests and tools use (synthetic models): not in the library.
SUPPORT_SRC := $(sort $(wildcard tests/support/*.c))
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(BUILD)/%.o)
HEADERS   := $(shell find include src tests/support -name '*.h')

GORILLA_DATA ?= $(if $(wildcard ../shared/apibench/README.md),../shared/apibench,)
export GORILLA_DATA

FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/bin/%)
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5

.SECONDARY: $(SUPPORT_OBJ)
.PHONY: all deps run model test test-release test-sanitize test-memcheck test-fuzz fuzz fuzz-build lint clean bench help
all: $(BIN) $(TOOL_BIN)

help:
	@echo "make run    build, then evaluate the released responses (or the bundled sample)"
	@echo "make test   build release and ASan+UBSan, run every test under both"
	@echo "make bench  run the benchmark scripts in bench/"
	@echo "make model  retrain the shipped model data/gorilla-tiny.gguf from APIBench (about 80 min, 2 threads)"

$(DEPS_STAMP): tools/install-deps.sh
	./tools/install-deps.sh
	@touch $@

deps: $(DEPS_STAMP)

$(BUILD)/%.o: %.c $(HEADERS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(if $(filter tests/%,$<),-Itests) -c $< -o $@

# Third-party grammar: compiled as is, warnings off, no sanitizers.
$(BUILD)/grammar/parser.o: $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/parser.c -o $@
$(BUILD)/grammar/scanner.o: $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) -O2 -g -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/scanner.cc -o $@

$(LIB): $(LIB_OBJ) $(GRAMMAR_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/%.c tests/testutil.h $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -o $@ $< $(SUPPORT_OBJ) $(LIB) $(LDLIBS_ALL) $(CMOCKA_LIBS)

$(BUILD)/tools/%: tools/%.c $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -o $@ $< $(SUPPORT_OBJ) $(LIB) $(LDLIBS_ALL)

run: $(BIN)
	@./tools/run-demo.sh $(BIN)

model: $(BIN)
	./tools/make-model.sh $(BIN) $(BUILD)/model data/gorilla-tiny.gguf

test-release: $(BIN) $(TEST_BIN) $(TOOL_BIN)
	@./tests/run.sh $(BUILD) release

test-sanitize: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory BUILD=build/san OPT=-O1 \
	  SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  build/san/gorilla $(TEST_SRC:tests/%.c=build/san/tests/%) $(TOOL_SRC:tools/%.c=build/san/tools/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./tests/run.sh build/san sanitize

# The command-line end-to-end tests again, with every gorilla process under
# valgrind's memcheck (release build; errors or leaks fail the test).
test-memcheck: $(BIN) $(TOOL_BIN)
	@mkdir -p build/memcheck/tests
	@GORILLA_REAL_BIN=$(CURDIR)/$(BIN) GORILLA_MEMCHECK=1 GORILLA_TOOLS_BUILD=$(BUILD) ./tests/run.sh build/memcheck memcheck tests/e2e/memcheck.sh

test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory test-release
	@$(MAKE) --no-print-directory test-sanitize
	@$(MAKE) --no-print-directory test-memcheck
	@$(MAKE) --no-print-directory test-fuzz
	@./tests/summary.sh build/release build/san build/memcheck build/fuzz

# Fuzzing: libFuzzer via clang; the library is rebuilt with coverage and
# ASan+UBSan in build/fuzz. `make fuzz FUZZ_SECONDS=N` runs each target N
# seconds; `make test` runs each for FUZZ_SMOKE_SECONDS so they keep working.
fuzz-build: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT=-O1 \
	  SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
	  $(FUZZ_BIN)

build/fuzz/bin/%: tests/fuzz/%.c $(SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -fsanitize=fuzzer -o $@ $< $(SUPPORT_OBJ) $(LIB) $(LDLIBS_ALL)

fuzz: fuzz-build
	@./tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

test-fuzz: fuzz-build
	@./tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BIN)

bench: $(BIN)
	@for b in bench/*.sh; do echo "== $$b"; ./$$b $(BIN) || exit 1; done

# Static analysis: cppcheck and clang-tidy (configuration in .clang-tidy),
# both from Debian; any finding fails.
LINT_SRC = $(LIB_SRC) $(CLI_SRC) $(TOOL_SRC) $(SUPPORT_SRC)
# Folders checked for printing/exiting (tools/check-no-print.sh): every
# folder of src/ but src/cli.
NO_PRINT_DIRS ?=
lint: $(DEPS_STAMP)
	./tools/check-no-print.sh $(NO_PRINT_DIRS)
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	  --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -Iinclude -Isrc -Itests $(LINT_SRC)
	clang-tidy --quiet $(LINT_SRC) -- -std=c11 -D_GNU_SOURCE -DGORILLA_VERSION='"$(VERSION)"' \
	  -Iinclude -Isrc -Itests -I$(GRAMMAR)/src $(PKG_CFLAGS)

clean:
	rm -rf build/release build/san
