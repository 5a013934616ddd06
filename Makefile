# ktrsbc build. `make` builds the programs into build/; `make test` installs
# what is missing (scripts/deps.sh), builds everything again under
# AddressSanitizer + UndefinedBehaviorSanitizer in build/asan/ and runs the
# unit and integration tests; `make fuzz` runs each libFuzzer target for a
# bounded time; `make demo` runs the loopback KTR demonstration on conf/.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
FUZZ_SECONDS ?= 60

CC      ?= cc
PKGS    := openssl libsrtp2 sofia-sip-ua libpcre2-8 libbpf nss
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CSTD    := -std=gnu11 -D_GNU_SOURCE
INC     := -Isrc -I.
CFLAGS  ?= -O2 -g
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ALL_CFLAGS = $(CSTD) $(WARN) $(INC) $(PKG_CFLAGS) $(CFLAGS)

# Library: every module source; programs live in src/tools/.
LIB_SRC  := $(sort $(wildcard src/*/*.c sdp/*.c sip/*.c))
LIB_SRC  := $(filter-out src/tools/%,$(LIB_SRC))
TOOL_SRC := $(sort $(wildcard src/tools/*.c))
TOOLS    := $(patsubst src/tools/%.c,%,$(TOOL_SRC))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c tests/integ/test_*.c))
TEST_HELPERS := $(sort $(wildcard tests/lib/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))

# The in-kernel fast path (issue 7): a tc eBPF program, not part of libktr.a
# (it lives one level deeper than the library wildcard looks). Loaded at run
# time by src/offload/offload.c; the tests find it beside tools in $(BUILD).
BPF_SRC  := src/offload/bpf/ktr_tc.bpf.c
BPF_OBJ  := $(BUILD)/ktr_tc.bpf.o
BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror $(INC) \
	-I/usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)

.SECONDARY:
.PHONY: all test test-build test-run fuzz fuzz-build bench bench-build clean install deps demo format-check
all: $(addprefix $(BUILD)/,$(TOOLS)) $(BPF_OBJ)

# --- release build ---------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libktr.a: $(call obj,$(BUILD),$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%: $(BUILD)/obj/src/tools/%.o $(BUILD)/libktr.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# --- eBPF program ---------------------------------------------------------
$(BPF_OBJ): $(BPF_SRC) src/offload/offload_map.h
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c $< -o $@

# --- sanitizer build for tests ----------------------------------------------
ASAN := $(BUILD)/asan
$(ASAN)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -MMD -MP -c $< -o $@

$(ASAN)/libktr.a: $(call obj,$(ASAN),$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

$(ASAN)/tools/%: $(ASAN)/obj/src/tools/%.o $(ASAN)/libktr.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

$(ASAN)/tests/%: $(ASAN)/obj/tests/unit/%.o $(call obj,$(ASAN),$(TEST_HELPERS)) $(ASAN)/libktr.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) -lcmocka

$(ASAN)/tests/%: $(ASAN)/obj/tests/integ/%.o $(call obj,$(ASAN),$(TEST_HELPERS)) $(ASAN)/libktr.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) -lcmocka

TEST_BINS := $(addprefix $(ASAN)/tests/,$(basename $(notdir $(TEST_SRC))))

test-build: $(TEST_BINS) $(addprefix $(ASAN)/tools/,$(TOOLS)) $(addprefix $(BUILD)/,$(TOOLS)) $(BPF_OBJ) \
	$(BUILD)/bench/bench_gen $(BUILD)/bench/bench_sink

test-run:
	BUILD=$(BUILD) scripts/run-tests.sh

# The README's test command: set-up, sanitizer build, every test.
test:
	scripts/deps.sh
	$(MAKE) test-build
	$(MAKE) test-run

# --- fuzzing (clang libFuzzer) ------------------------------------------------
FUZZ := $(BUILD)/fuzz
FUZZ_CFLAGS = $(CSTD) $(WARN) $(INC) $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer-no-link,address,undefined
$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ)/fuzz_%: $(FUZZ)/obj/tests/fuzz/fuzz_%.o $(call obj,$(FUZZ),$(LIB_SRC))
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

fuzz-build: $(patsubst tests/fuzz/%.c,$(FUZZ)/%,$(FUZZ_SRC))

fuzz:
	scripts/deps.sh
	$(MAKE) fuzz-build
	BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz.sh

# --- benchmarks (release flags; never timed assertions in tests) ---------------
$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libktr.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

bench-build: $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

bench:
	scripts/deps.sh
	$(MAKE) all bench-build
	BUILD=$(BUILD) scripts/bench.sh

# --- the main job -------------------------------------------------------------
demo:
	scripts/deps.sh
	$(MAKE) all
	scripts/demo.sh

deps:
	scripts/deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ktrsbc/conf
	install -m 0755 $(addprefix $(BUILD)/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/lib/ktrsbc
	install -m 0644 $(BPF_OBJ) $(DESTDIR)$(PREFIX)/lib/ktrsbc/
	install -m 0644 conf/ktrsbc.conf $(DESTDIR)$(PREFIX)/share/ktrsbc/conf/
	install -d $(DESTDIR)$(PREFIX)/share/ktrsbc/conf/trunks
	install -m 0644 conf/trunks/*.conf $(DESTDIR)$(PREFIX)/share/ktrsbc/conf/trunks/
	install -d $(DESTDIR)$(PREFIX)/share/doc/ktrsbc
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/ktrsbc/

format-check:
	clang-format --dry-run --Werror $(LIB_SRC) $(TOOL_SRC) $(TEST_SRC) $(FUZZ_SRC)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
