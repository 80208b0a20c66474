# driftwatch: a plain Makefile with pkg-config.
#   make            build driftwatchd and driftwatchctl into build/
#   make check      install what is missing, build, run every test, then again under ASan+UBSan
#   make demo       run the product on its embedded defaults with the sample data, in ./demo/
#   make asan       the test suite under ASan+UBSan only
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian 12 packages needed to build and test

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR  ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d
EXAMPLESDIR ?= $(PREFIX)/share/driftwatch/examples
BUILD   ?= build

CC      ?= cc
PKGS    := libevent libevent_openssl libcurl sqlite3 inih jansson openssl libsystemd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef
# Tables list only the fields they need (a command's flags and long help are optional): a field left
# out is zero by the standard, not a mistake.
WARN    += -Wno-missing-field-initializers
ifeq ($(CI),true)
WARN    += -Werror
endif
ifneq ($(WERROR),)
WARN    += -Werror
endif
OPT     ?= -O2
SAN_FLAGS :=
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1
endif
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread -g $(OPT) $(WARN) $(SAN_FLAGS) -Iinclude -Idaemon $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -pthread $(SAN_FLAGS)
LDLIBS  += $(PKG_LIBS) -lm

LIB_SRCS  := $(filter-out daemon/main.c $(wildcard daemon/ctl*.c),$(wildcard daemon/*.c))
CTL_SRCS  := $(wildcard daemon/ctl*.c)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
FAKE_SRCS := $(wildcard tests/fakes/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CTL_OBJS  := $(CTL_SRCS:%.c=$(BUILD)/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
FAKE_OBJS := $(FAKE_SRCS:%.c=$(BUILD)/%.o)
FUZZ_OBJS := $(FUZZ_SRCS:%.c=$(BUILD)/%.o)
TESTS     := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FAKES     := $(FAKE_SRCS:tests/fakes/%.c=$(BUILD)/fakes/%)
FUZZERS   := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BENCH     := $(BUILD)/bench/http-ceiling $(BUILD)/bench/plan-pass

.PHONY: all check asan demo install clean deps tests test-deps fuzz bench man openapi-lint format format-check

all: $(BUILD)/driftwatchd $(BUILD)/driftwatchctl

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libdriftwatch.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/driftwatchd: $(BUILD)/daemon/main.o $(BUILD)/libdriftwatch.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/driftwatchctl: $(CTL_OBJS) $(BUILD)/libdriftwatch.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Static pattern rules (not implicit chains) for the programs built from one object each: an object
# named in an explicit rule is not an intermediate file, so make keeps it, and the .d beside it can
# rebuild it when a header it includes changes (an implicit chain deleted the objects after linking,
# so the next make recompiled every test, and a header change could not be traced to anything).
$(TESTS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libdriftwatch.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(FAKES): $(BUILD)/fakes/%: $(BUILD)/tests/fakes/%.o $(BUILD)/libdriftwatch.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets build as plain programs that replay a corpus (tests/fuzz/driver.c);
# `make fuzz` builds real libFuzzer binaries with clang.
$(FUZZERS): $(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/driver.o $(BUILD)/libdriftwatch.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The benchmark's yardstick (scripts/bench-delivery): any client's ceiling against the sink.
$(BUILD)/bench/http-ceiling: $(BUILD)/scripts/bench/http-ceiling.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The planning benchmark's driver (scripts/bench-plan): the daemon's own pass, timed, on one database.
$(BUILD)/bench/plan-pass: $(BUILD)/scripts/bench/plan-pass.o $(BUILD)/libdriftwatch.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench: all $(BENCH)

# The manual: driftwatchd(8) and driftwatchctl(8) as written; driftwatch.ini(5) from its template
# and the key table (docs/man/mkman.c), so it lists exactly the keys the daemon accepts.
MAN_PAGES := docs/man/driftwatchd.8 docs/man/driftwatchctl.8 $(BUILD)/man/driftwatch.ini.5
MANDIR  ?= $(PREFIX)/share/man

$(BUILD)/man/mkman: $(BUILD)/docs/man/mkman.o $(BUILD)/libdriftwatch.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/man/driftwatch.ini.5: docs/man/driftwatch.ini.5.in $(BUILD)/man/mkman
	$(BUILD)/man/mkman <$< >$@.tmp && mv $@.tmp $@

man: $(MAN_PAGES)

$(BUILD)/tests/fuzz/driver.o: tests/fuzz/driver.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

tests: all man $(BENCH) $(TESTS) $(FAKES) $(filter-out $(BUILD)/fuzz/driver,$(FUZZERS))

deps:
	scripts/install-deps test

test-deps:
	scripts/install-deps test

# Everything: the suite built normally, then again under ASan+UBSan; one summary line at the end.
check: test-deps
	$(MAKE) openapi-lint
	$(MAKE) format-check
	$(MAKE) -j2 tests
	$(MAKE) -j2 BUILD=build/asan SAN=1 tests
	scripts/run-tests $(BUILD) build/asan

# The C sources as the committed .clang-format lays them out: `make format` applies it, make check
# refuses a file it would change.
FORMAT_SRCS := $(wildcard daemon/*.c daemon/*.h include/*.h tests/unit/*.c tests/unit/*.h tests/fakes/*.c \
	tests/fuzz/*.c docs/man/mkman.c scripts/bench/*.c)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

# docs/openapi.yaml against redocly's strict rules (tools/openapi; scripts/install-deps test installs
# it). Whether the document and the daemon's route table agree is tests/regress/http_routes.sh.
openapi-lint:
	@test -x tools/openapi/node_modules/.bin/redocly || { \
		echo "openapi-lint: no tools/openapi/node_modules/.bin/redocly: run scripts/install-deps test" >&2; exit 1; }
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		tools/openapi/node_modules/.bin/redocly lint --config tools/openapi/redocly.yaml docs/openapi.yaml

asan: test-deps
	$(MAKE) -j2 BUILD=build/asan SAN=1 tests
	scripts/run-tests build/asan

demo:
	scripts/install-deps build
	$(MAKE) all
	scripts/demo

fuzz:
	scripts/install-deps fuzz
	@for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		echo "clang -fsanitize=fuzzer,address $$f -> $(BUILD)/libfuzzer/$$n"; \
		mkdir -p $(BUILD)/libfuzzer; \
		clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address -Iinclude -Idaemon $(PKG_CFLAGS) \
			$$f $(LIB_SRCS) -o $(BUILD)/libfuzzer/$$n $(PKG_LIBS) -lm || exit 1; \
	done

# The layout the unit expects: a static user `driftwatch` (sysusers.d), its state folder and the
# rules 0640 root:driftwatch (tmpfiles.d). With DESTDIR (a package) the files are only placed: the
# package runs systemd-sysusers and systemd-tmpfiles --create on them after installing, as this
# does on the machine itself.
install: all man
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(EXAMPLESDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/driftwatch
	install -m 0755 $(BUILD)/driftwatchd $(DESTDIR)$(SBINDIR)/driftwatchd
	install -m 0755 $(BUILD)/driftwatchctl $(DESTDIR)$(BINDIR)/driftwatchctl
	test -e $(DESTDIR)$(SYSCONFDIR)/driftwatch/driftwatch.ini || \
		install -m 0640 etc/driftwatch.ini $(DESTDIR)$(SYSCONFDIR)/driftwatch/driftwatch.ini
	install -m 0644 etc/bank-holidays-england-and-wales.txt $(DESTDIR)$(SYSCONFDIR)/driftwatch/
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/driftwatch.service > $(DESTDIR)$(UNITDIR)/driftwatch.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/driftwatch.service
	install -m 0644 systemd/driftwatch.socket $(DESTDIR)$(UNITDIR)/driftwatch.socket
	install -m 0644 systemd/driftwatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/driftwatch.conf
	install -m 0644 systemd/driftwatch.tmpfiles $(DESTDIR)$(TMPFILESDIR)/driftwatch.conf
	install -m 0644 systemd/credentials.conf etc/samples/st-helens-roles.ini $(DESTDIR)$(EXAMPLESDIR)/
	install -m 0644 etc/samples/nginx-driftwatch.conf etc/samples/iis-web.config $(DESTDIR)$(EXAMPLESDIR)/
	install -m 0644 docs/man/driftwatchd.8 docs/man/driftwatchctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(BUILD)/man/driftwatch.ini.5 $(DESTDIR)$(MANDIR)/man5/
	@if [ -z "$(DESTDIR)" ]; then \
		echo "systemd-sysusers $(SYSUSERSDIR)/driftwatch.conf && systemd-tmpfiles --create $(TMPFILESDIR)/driftwatch.conf"; \
		systemd-sysusers $(SYSUSERSDIR)/driftwatch.conf && \
		systemd-tmpfiles --create $(TMPFILESDIR)/driftwatch.conf || exit 1; \
	else \
		echo "DESTDIR: after installing the files, run systemd-sysusers and systemd-tmpfiles --create on"; \
		echo "  $(SYSUSERSDIR)/driftwatch.conf and $(TMPFILESDIR)/driftwatch.conf (user, state folder, rules' group)"; \
	fi
	@echo; echo "Next (README, \"Install as a service\"):"; \
	echo "  sudo systemctl daemon-reload"; \
	echo "  sudoedit $(SYSCONFDIR)/driftwatch/driftwatch.ini            # transports, admin_email, [role] emails"; \
	echo "  secrets: LoadCredential= drop-in, example in $(EXAMPLESDIR)/credentials.conf"; \
	echo "  sudo -u driftwatch $(SBINDIR)/driftwatchd --check-config"; \
	echo "  sudo systemctl enable --now driftwatch"

clean:
	rm -rf build

# Every object's header dependencies (-MMD), so that touching any header (tests/unit/test_util.h too)
# rebuilds what includes it. ALL_OBJS names every object some rule links; tests/regress/build_deps.sh
# checks that a header change reaches each of them.
ALL_OBJS := $(LIB_OBJS) $(CTL_OBJS) $(BUILD)/daemon/main.o $(TEST_OBJS) $(FAKE_OBJS) $(FUZZ_OBJS) \
	$(BUILD)/tests/fuzz/driver.o $(BUILD)/scripts/bench/http-ceiling.o $(BUILD)/scripts/bench/plan-pass.o \
	$(BUILD)/docs/man/mkman.o
DEPS := $(ALL_OBJS:.o=.d)
-include $(DEPS)
