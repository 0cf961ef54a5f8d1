# userimportd — the front door: `make run` and `make test`.
SHELL := /bin/bash
SWIFT   ?= swift
PREFIX  ?= /usr/local
BIN     := .build/debug
STATE   ?= ./var

.PHONY: deps build run once test lint clean

# The two C libraries we link; installed when missing (CI and a fresh Debian 12 run as root).
deps:
	@missing=""; \
	for package in libsqlite3-dev libsystemd-dev; do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "missing:$$missing — run: sudo apt-get install -y$$missing" >&2; exit 1; fi; \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

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
	$(SWIFT) format lint --strict --recursive Sources Tests

test: deps lint
	$(SWIFT) build --build-tests 2>&1 | tee .build-log.txt; test $${PIPESTATUS[0]} -eq 0
	@! grep -E '^/.*/(Sources|Tests)/.*warning:' .build-log.txt || { echo "build has warnings" >&2; exit 1; }
	$(SWIFT) test --skip-build

clean:
	rm -rf .build .build-log.txt
