# portscope: make builds build/portscope; make run and make test first install what is
# missing (Debian packages, when root). Honours CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR.

PREFIX ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
BUILD ?= build
# V=1 shows every compiler command.
Q = $(if $(V),,@)

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
PKGS := libmnl jansson
# OpenSSL (TLS), libnftables (list --nat) and libmicrohttpd (exporter): their headers at
# build time, the libraries opened with dlopen (probe/dl.h) only when a command first
# needs them, so they and their dependencies (libnftnl, GnuTLS, nettle, gmp, p11-kit, ...)
# cost no other command its start-up.
DLPKGS := openssl libnftables libmicrohttpd
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(DLPKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -ldl
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP

PROBE_SRC := $(wildcard probe/*.c)
REPORT_SRC := $(wildcard report/*.c)
CMD_SRC := $(wildcard cmd/*.c)
LIB_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(PROBE_SRC) $(REPORT_SRC))
CMD_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(CMD_SRC))

# Test binaries are named after what they test and keep their directory, so a unit test
# and an integration test of the same module cannot collide: build/tests/unit/test_X,
# build/tests/it/test_X.
TEST_SRC := $(wildcard tests/unit/test_*.c tests/it/test_*.c)
TEST_BINS = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)

.PHONY: all run test deps deps-build check unit it sanitize clean install bench docs \
	deps-lint deps-fuzz fuzz fuzz-targets fuzz-run lint

all: $(BUILD)/portscope

$(BUILD)/portscope: $(CMD_OBJ) $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The documentation generator: the option tables of cmd/ without portscope's main()
# (tools/gen-docs.c includes cmd/main.c for its command table). Never installed.
$(BUILD)/gen-docs: $(BUILD)/tools/gen-docs.o $(filter-out $(BUILD)/cmd/main.o,$(CMD_OBJ)) $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Rewrite the bash completion and the man page's option lists from the option tables.
docs: $(BUILD)/gen-docs
	$(BUILD)/gen-docs completion >completion/portscope.bash.new
	mv completion/portscope.bash.new completion/portscope.bash
	$(BUILD)/gen-docs man man/portscope.1 >man/portscope.1.new
	mv man/portscope.1.new man/portscope.1

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/helpers.o: tests/helpers.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(TEST_BINS): $(BUILD)/tests/%: tests/%.c $(LIB_OBJ) $(BUILD)/tests/helpers.o
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) $(TEST_LIBS)

deps:
	@sh scripts/deps.sh test

deps-build:
	@sh scripts/deps.sh build

deps-lint:
	@sh scripts/deps.sh lint

deps-fuzz:
	@sh scripts/deps.sh fuzz

run: deps-build
	@$(MAKE) --no-print-directory all
	./$(BUILD)/portscope list

# Every test: unit and integration tests on the normal build, then the same suite again
# built with AddressSanitizer and UBSan.
# The builds use every core; the tests themselves run one at a time.
NPROC := $(shell nproc 2>/dev/null || echo 2)

test: deps
	@rm -f build/.test-counts
	@$(MAKE) --no-print-directory -j$(NPROC) check
	@$(MAKE) --no-print-directory -j$(NPROC) sanitize
	@awk '{p += $$1; f += $$2; s += $$3} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}' build/.test-counts

check: all $(BUILD)/gen-docs $(TEST_BINS)
	@sh tests/run.sh $(BUILD)

sanitize:
	@$(MAKE) --no-print-directory BUILD=build/asan CC=$(or $(SAN_CC),clang) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" check

# Fuzz targets: every tests/fuzz/fuzz_X.c becomes build/fuzz/fuzz_X, linked against the
# probe/ and report/ objects built again with the same instrumentation (an archive, so
# each target takes only the objects it needs). `make fuzz-run FUZZ_SECONDS=N` runs each
# target N seconds (with FUZZ_RUNS=M, or M executions if sooner): new inputs go to
# build/fuzz/corpus/X, seeds come from tests/fuzz/X_corpus when it exists; a crash leaves
# its input in build/fuzz/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRC))

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=fuzzer,address,undefined" fuzz-targets

fuzz-targets: $(FUZZ_BINS)

$(BUILD)/libportscope.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BINS): $(BUILD)/%: tests/fuzz/%.c $(BUILD)/libportscope.a
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libportscope.a $(PKG_LIBS)

fuzz-run: fuzz
	@for t in $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC)); do \
		n=$${t##*/fuzz_}; seeds=tests/fuzz/$${n}_corpus; [ -d "$$seeds" ] || seeds=; \
		mkdir -p build/fuzz/corpus/$$n; \
		echo "  FUZZ    $$t, $(FUZZ_SECONDS) s"; \
		(cd build/fuzz && ./$${t##*/} -max_total_time=$(FUZZ_SECONDS) $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) -print_final_stats=1 \
			corpus/$$n $${seeds:+../../$$seeds}) >build/fuzz/$${t##*/}.log 2>&1 || \
			{ tail -n 40 build/fuzz/$${t##*/}.log; echo "$$t: finding, see build/fuzz/"; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|new_units_added)' build/fuzz/$${t##*/}.log | \
			sed 's/^/          /'; \
	done

# Static analysis with the checked-in configuration (.clang-tidy, .cppcheck-suppressions):
# every finding is printed and fails the target. LINT_JOBS files are checked at once.
LINT_JOBS ?= 2

lint: deps-lint
	@sh scripts/lint.sh $(LINT_JOBS) -- -std=gnu11 -D_GNU_SOURCE -I. $(PKG_CFLAGS)

bench: all
	@sh tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(BUILD)/portscope $(DESTDIR)$(PREFIX)/bin/portscope
	install -m 0644 man/portscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/portscope.1
	install -m 0644 completion/portscope.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/portscope

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
