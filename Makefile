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
PKGS := libmnl jansson openssl
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP

PROBE_SRC := $(wildcard probe/*.c)
REPORT_SRC := $(wildcard report/*.c)
CMD_SRC := $(wildcard cmd/*.c)
LIB_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(PROBE_SRC) $(REPORT_SRC))
CMD_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(CMD_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
IT_SRC := $(wildcard tests/it/test_*.c)
TEST_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC)) \
	$(patsubst tests/it/%.c,$(BUILD)/tests/%,$(IT_SRC))
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)

.PHONY: all run test deps deps-build check unit it sanitize clean install bench

all: $(BUILD)/portscope

$(BUILD)/portscope: $(CMD_OBJ) $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/helpers.o: tests/helpers.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJ) $(BUILD)/tests/helpers.o
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/tests/test_%: tests/it/test_%.c $(LIB_OBJ) $(BUILD)/tests/helpers.o
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) $(TEST_LIBS)

deps:
	@sh scripts/deps.sh test

deps-build:
	@sh scripts/deps.sh build

run: deps-build
	@$(MAKE) --no-print-directory all
	./$(BUILD)/portscope list

# Every test: unit and integration tests on the normal build, then the same suite again
# built with AddressSanitizer and UBSan.
test: deps
	@rm -f build/.test-counts
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory sanitize
	@awk '{p += $$1; f += $$2; s += $$3} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}' build/.test-counts

check: all $(TEST_BINS)
	@sh tests/run.sh $(BUILD)

sanitize:
	@$(MAKE) --no-print-directory BUILD=build/asan CC=$(or $(SAN_CC),clang) \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" check

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
