# userimportd — the front door: `make run` and `make test`.
SHELL := /bin/bash
SWIFT   ?= swift
PREFIX  ?= /usr/local
BIN     := .build/debug
STATE   ?= ./var

CONFIGURATION ?= release
SBINDIR ?= $(PREFIX)/sbin
BINDIR  ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DOCDIR  ?= $(PREFIX)/share/doc/userimportd
SYSCONFDIR ?= /etc
# The Cockpit page (Tools → User Import).
COCKPITDIR ?= $(PREFIX)/share/cockpit/userimport
COCKPIT_FILES := $(wildcard Sources/cockpit-userimport/*.html Sources/cockpit-userimport/*.js \
	Sources/cockpit-userimport/*.css Sources/cockpit-userimport/*.json)
# The manual pages (Sources/man) and userimportctl's shell completions, where Debian looks for them.
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPLETIONDIR  ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPLETIONDIR ?= $(PREFIX)/share/fish/vendor_completions.d

# Separate debug symbols, at the path gdb looks for them when PREFIX=/usr (for /usr/local:
# `set debug-file-directory /usr/local/lib/debug`).
DEBUGDIR ?= $(PREFIX)/lib/debug

# The installed programs: a release build with the Swift runtime and Foundation linked in, so a
# server needs no toolchain, in its own scratch path (never the lock of .build), then stripped
# with the debug symbols kept apart. CONFIGURATION=debug (the end-to-end suite) installs
# .build/debug as it is.
STATIC_BUILD := .build-static
PROGRAMS := userimportd userimportctl
ifeq ($(CONFIGURATION),debug)
INSTALL_FROM := .build/debug
else
INSTALL_FROM := $(STATIC_BUILD)/stripped
endif

.PHONY: deps build run once test test-unit test-systemd test-install lint static install uninstall bench \
	clean soak soak-fuzz soak-asan soak-kill

# Installs the Debian packages named in $(1) that are missing (as root; otherwise says how).
define install-missing
	@missing=""; \
	for package in $(1); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "missing:$$missing — run: sudo apt-get install -y$$missing" >&2; exit 1; fi; \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

# The C libraries we link (SQLite, libsystemd, libpq; pkg-config finds libpq's headers), msmtp
# (the mail tests' sendmail-compatible client), mandoc and man-db (the manual pages' lint and
# rendering in test-docs and test-install); installed when missing (CI and a fresh Debian 12 run
# as root).
deps:
	$(call install-missing,libsqlite3-dev libsystemd-dev libpq-dev pkg-config msmtp mandoc man-db)

build: deps
	$(SWIFT) build 2>&1 | tee .build-log.txt; test $${PIPESTATUS[0]} -eq 0
	@! grep -E '^/.*/(Sources|Tests)/.*warning:' .build-log.txt || { echo "build has warnings" >&2; exit 1; }

# Runs the daemon in the foreground on ./var: drop files into ./var/inbox.
run: build
	$(BIN)/userimportd --state-dir $(STATE)

# Imports what is in ./var/inbox once and exits.
once: build
	$(BIN)/userimportd --state-dir $(STATE) --once

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Fuzz

# Everything: lint, unit and integration tests (swift test), the manual pages against the code,
# the end-to-end suite under a private systemd, the installed programs run with the toolchain's
# libraries hidden, then the Debian packages installed, upgraded, removed and purged.
test: test-unit test-docs test-systemd test-install test-deb test-browser

# The PostgreSQL adapter's tests start their own server (Debian's postgresql-15, a cluster in a
# temp directory on a Unix socket): installed here, not for `make run`.
test-unit: deps lint
	$(call install-missing,postgresql-15)
	$(SWIFT) build --build-tests 2>&1 | tee .build-log.txt; test $${PIPESTATUS[0]} -eq 0
	@! grep -E '^/.*/(Sources|Tests)/.*warning:' .build-log.txt || { echo "build has warnings" >&2; exit 1; }
	$(SWIFT) test --skip-build

test-systemd: deps
	$(SWIFT) build
	Tests/SystemdEndToEnd/run.sh

test-install: deps
	Tests/Install/run.sh

# The manual pages: mandoc's lint, and every configuration key and userimportctl command documented.
.PHONY: test-docs
test-docs: deps
	$(SWIFT) build --product userimportctl
	$(SWIFT) build --product userimportd
	Tests/Docs/run.sh

# The Cockpit page in headless Chromium, served by cockpit-ws against the debug binaries (installs
# cockpit-ws, chromium, chromium-driver and Selenium when missing), on the SQLite store and then
# on a PostgreSQL server of its own.
.PHONY: test-browser
test-browser: deps
	$(call install-missing,postgresql-15)
	$(SWIFT) build
	Tests/Browser/run.sh
	Tests/Browser/run.sh --postgresql

# The benchmark (release build): the product against its floors; prints a table, writes
# bench-results.json. BENCH_ARGS=--quick for a short run. Then the Cockpit page's timings on a
# 10,000-import history and a million-row report (Tests/Browser/page_bench.py; printed only).
bench: deps
	@command -v sqlite3 >/dev/null || apt-get install -y -qq sqlite3 >/dev/null
	$(call install-missing,postgresql-15)
	$(SWIFT) build -c release
	.build/release/userimport-bench $(BENCH_ARGS)
	BIN=.build/release Tests/Browser/run.sh --bench

# The long checks, not part of `make test` (which runs their short versions): the kill soaks with
# 200 files and 1,000 SIGKILLs (one daemon on SQLite; three on one PostgreSQL), 50,000 files dropped while the daemon is SIGSTOPped, the import
# fuzzer for FUZZ_SECONDS, then the whole test suite built with AddressSanitizer (its own
# .build-asan). One after the other, so each gets the machine (about 12 minutes); each prints what it ran.
# USERIMPORT_SOAK_SEED/_FILES/_KILLS/_MAX_ROWS override the kill soak.
FUZZ_SECONDS ?= 120
soak: soak-kill soak-fuzz soak-asan

soak-kill: deps
	$(SWIFT) build --build-tests
	USERIMPORT_SOAK=full $(SWIFT) test --skip-build --filter KillSoakTests
	USERIMPORT_SOAK=full $(SWIFT) test --skip-build --filter OverflowSoakTests

# libFuzzer + ASan over the pure core's import of one file (Fuzz/README.md).
soak-fuzz:
	Fuzz/run.sh $(FUZZ_SECONDS)

soak-asan: deps
	Tests/Sanitizers/asan.sh

# The self-contained programs in .build-static/stripped, each with its .debug file beside it.
static: deps
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_BUILD) --product userimportd
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_BUILD) --product userimportctl
	install -d $(STATIC_BUILD)/stripped
	for program in $(PROGRAMS); do \
		objcopy --only-keep-debug $(STATIC_BUILD)/release/$$program $(STATIC_BUILD)/stripped/$$program.debug && \
		objcopy --strip-all --add-gnu-debuglink=$(STATIC_BUILD)/stripped/$$program.debug \
			$(STATIC_BUILD)/release/$$program $(STATIC_BUILD)/stripped/$$program || exit 1; \
	done

# userimportctl's bash, zsh and fish completions, generated by the argument parser from the binary
# about to be installed (never checked in, so they cannot go stale), beside it.
.PHONY: completions
completions: $(if $(filter debug,$(CONFIGURATION)),,static)
	install -d $(INSTALL_FROM)/completions
	@# A completion file is sourced, never run: no #! line (lintian bash-completion-with-hashbang).
	for shell in bash zsh fish; do \
		$(INSTALL_FROM)/userimportctl --generate-completion-script $$shell | sed '1{/^#!/d}' \
			>$(INSTALL_FROM)/completions/userimportctl.$$shell.tmp && \
		mv $(INSTALL_FROM)/completions/userimportctl.$$shell.tmp $(INSTALL_FROM)/completions/userimportctl.$$shell || exit 1; \
	done

# Debian packages userimportd, userimportd-dbg and cockpit-userimport in .build-deb/, built with
# debhelper from Sources/debian (copied into .build-deb/userimportd-VERSION/debian, with a
# changelog for the product's version) around `make install` of the static build above; then
# lintian, failing on any error or warning not overridden. DEB_VERSION overrides the version.
# `make -o static deb` packages .build-static/stripped as it is, without running swift build.
DEB_DIR := .build-deb
PRODUCT_VERSION := $(shell sed -n 's/.*static let string = "\(.*\)".*/\1/p' \
	Sources/UserImportService/Support/ProductVersion.swift)
DEB_VERSION ?= $(PRODUCT_VERSION)
DEB_TREE := $(DEB_DIR)/userimportd-$(DEB_VERSION)
DEB_TOOLS := debhelper lintian dpkg-dev fakeroot

.PHONY: deb deb-deps test-deb
deb-deps:
	$(call install-missing,$(DEB_TOOLS))

deb: static deb-deps
	@test -n "$(DEB_VERSION)" || { echo "no ProductVersion found in Sources" >&2; exit 1; }
	rm -rf $(DEB_TREE) $(DEB_DIR)/*_$(DEB_VERSION)_*
	mkdir -p $(DEB_TREE)
	cp -a Sources/debian $(DEB_TREE)/debian
	{ printf 'userimportd (%s) unstable; urgency=medium\n\n' '$(DEB_VERSION)'; \
	  printf '  * Built by make deb from git commit %s.\n\n' "$$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"; \
	  printf ' -- %s  %s\n' "$$(sed -n 's/^Maintainer: //p' Sources/debian/control)" \
		"$$(git log -1 --format=%aD 2>/dev/null || date -R)"; } > $(DEB_TREE)/debian/changelog
	cd $(DEB_TREE) && USERIMPORT_SOURCE=$(CURDIR) dpkg-buildpackage -b -us -uc
	@# One run shows the overridden tags too (O:); lintian 2.116's --fail-on would count those
	@# with --show-overrides, so the failure is on the E: and W: lines of its output.
	set -o pipefail; lintian --fail-on none --display-info --show-overrides \
		$(DEB_DIR)/userimportd_$(DEB_VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).changes \
		| tee $(DEB_DIR)/lintian-$(DEB_VERSION).txt
	@! grep -E '^[EW]: ' $(DEB_DIR)/lintian-$(DEB_VERSION).txt >/dev/null || \
		{ echo "lintian: errors or warnings (E:, W: above) not overridden" >&2; exit 1; }
	@ls -l $(DEB_DIR)/*_$(DEB_VERSION)_*.deb

# The packages installed, upgraded, removed and purged under a private systemd (Tests/Debian/run.sh).
test-deb: deb
	DEB_VERSION=$(DEB_VERSION) Tests/Debian/run.sh

# FHS install; DESTDIR for packaging. The configuration example is installed only when none exists.
install: $(if $(filter debug,$(CONFIGURATION)),,static) completions
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/userimportd
	install -m 0755 $(INSTALL_FROM)/userimportd $(DESTDIR)$(SBINDIR)/userimportd
	install -m 0755 $(INSTALL_FROM)/userimportctl $(DESTDIR)$(BINDIR)/userimportctl
	if [ "$(CONFIGURATION)" != debug ]; then \
		install -d $(DESTDIR)$(DEBUGDIR)$(SBINDIR) $(DESTDIR)$(DEBUGDIR)$(BINDIR) && \
		install -m 0644 $(INSTALL_FROM)/userimportd.debug $(DESTDIR)$(DEBUGDIR)$(SBINDIR)/userimportd.debug && \
		install -m 0644 $(INSTALL_FROM)/userimportctl.debug $(DESTDIR)$(DEBUGDIR)$(BINDIR)/userimportctl.debug; \
	fi
	sed -e 's|/usr/local/sbin/userimportd|$(SBINDIR)/userimportd|' \
		-e 's|/etc/userimportd/|$(SYSCONFDIR)/userimportd/|' \
		-e 's|/usr/local/share/doc/userimportd|$(DOCDIR)|' \
		systemd/userimportd.service > $(DESTDIR)$(UNITDIR)/userimportd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/userimportd.service
	install -m 0644 systemd/userimportd.sysusers $(DESTDIR)$(SYSUSERSDIR)/userimportd.conf
	install -m 0644 systemd/userimportd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/userimportd.conf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 systemd/sendmail-transport.conf $(DESTDIR)$(DOCDIR)/sendmail-transport.conf
	install -d $(DESTDIR)$(COCKPITDIR)
	install -m 0644 $(COCKPIT_FILES) $(DESTDIR)$(COCKPITDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 Sources/man/userimportctl.1 $(DESTDIR)$(MANDIR)/man1/userimportctl.1
	install -m 0644 Sources/man/userimportd.conf.5 $(DESTDIR)$(MANDIR)/man5/userimportd.conf.5
	install -m 0644 Sources/man/userimportd.8 $(DESTDIR)$(MANDIR)/man8/userimportd.8
	install -d $(DESTDIR)$(BASHCOMPLETIONDIR) $(DESTDIR)$(ZSHCOMPLETIONDIR) $(DESTDIR)$(FISHCOMPLETIONDIR)
	install -m 0644 $(INSTALL_FROM)/completions/userimportctl.bash $(DESTDIR)$(BASHCOMPLETIONDIR)/userimportctl
	install -m 0644 $(INSTALL_FROM)/completions/userimportctl.zsh $(DESTDIR)$(ZSHCOMPLETIONDIR)/_userimportctl
	install -m 0644 $(INSTALL_FROM)/completions/userimportctl.fish $(DESTDIR)$(FISHCOMPLETIONDIR)/userimportctl.fish
	test -e $(DESTDIR)$(SYSCONFDIR)/userimportd/userimportd.conf || \
		install -m 0644 etc/userimportd.conf $(DESTDIR)$(SYSCONFDIR)/userimportd/userimportd.conf
	install -d $(DESTDIR)$(SYSCONFDIR)/userimportd/templates
	for template in etc/templates/*.txt; do \
		target=$(DESTDIR)$(SYSCONFDIR)/userimportd/templates/$$(basename $$template); \
		test -e $$target || install -m 0644 $$template $$target; \
	done

# Leaves the configuration and /var/lib/userimportd (the history) in place, as dpkg's remove does.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/userimportd $(DESTDIR)$(BINDIR)/userimportctl \
		$(DESTDIR)$(UNITDIR)/userimportd.service $(DESTDIR)$(SYSUSERSDIR)/userimportd.conf \
		$(DESTDIR)$(TMPFILESDIR)/userimportd.conf $(DESTDIR)$(DOCDIR)/README.md \
		$(DESTDIR)$(DOCDIR)/sendmail-transport.conf \
		$(DESTDIR)$(DEBUGDIR)$(SBINDIR)/userimportd.debug $(DESTDIR)$(DEBUGDIR)$(BINDIR)/userimportctl.debug \
		$(DESTDIR)$(MANDIR)/man1/userimportctl.1 $(DESTDIR)$(MANDIR)/man5/userimportd.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/userimportd.8 $(DESTDIR)$(BASHCOMPLETIONDIR)/userimportctl \
		$(DESTDIR)$(ZSHCOMPLETIONDIR)/_userimportctl $(DESTDIR)$(FISHCOMPLETIONDIR)/userimportctl.fish
	rm -rf $(DESTDIR)$(COCKPITDIR)
	-rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DEBUGDIR)$(SBINDIR) $(DESTDIR)$(DEBUGDIR)$(BINDIR) 2>/dev/null

clean:
	rm -rf .build .build-log.txt .build-asan .build-fuzz $(STATIC_BUILD) $(DEB_DIR)
