#!/usr/bin/env python3
"""Reads the manual pages in Sources/man (man(7) macros) for Tests/Docs/run.sh.

  roff.py section PAGE NAME        the plain text of one .SH section (NAME as written, unquoted)
  roff.py conf-keys PAGE           "Section Key" per line: each .BI Key= item under .SH "[Section] SECTION"
  roff.py conf-entry PAGE SEC KEY  the plain text of that key's item
  roff.py conf-section PAGE SEC    the plain text of the [SEC] section
  roff.py commands PAGE            the name of each .TP item of the COMMANDS section
  roff.py command-entry PAGE NAME  the plain text of that command's item
  roff.py th PAGE                  the .TH line's fields, one a line
"""
import re
import shlex
import sys

ESCAPES = {r"\-": "-", r"\e": "\\", r"\(lq": '"', r"\(rq": '"', r"\(em": "--", r"\&": "", r"\ ": " "}


def plain(line):
    """A line of roff as text: macro names dropped, font changes and escapes resolved."""
    if line.startswith(".\\\""):
        return ""
    line = line.replace("\\ ", "\x00")  # an unbreakable space is one word's part
    if line.startswith("."):
        parts = line.split(None, 1)
        line = parts[1] if len(parts) > 1 else ""
        try:
            words = shlex.split(line.replace("\\", "\\\\"), posix=True)
        except ValueError:
            words = line.split()
        line = "".join(w.replace("\\\\", "\\") for w in words) if parts[0] in (".BR", ".RB", ".BI", ".IB", ".IR", ".RI") else " ".join(w.replace("\\\\", "\\") for w in words)
    line = re.sub(r"\\f[BIRP]", "", line)
    for escape, text in ESCAPES.items():
        line = line.replace(escape, text)
    return line.replace("\x00", " ")


def lines(page):
    with open(page, encoding="utf-8") as f:
        return f.read().split("\n")


def sections(page):
    """[(name, [raw lines])] per .SH."""
    out = []
    for raw in lines(page):
        if raw.startswith(".SH"):
            out.append((" ".join(shlex.split(raw[3:])), []))
        elif out:
            out[-1][1].append(raw)
    return out


def section_lines(page, name):
    for title, body in sections(page):
        if title == name:
            return body
    sys.exit(f"no section {name!r} in {page}")


def items(body):
    """[(first line after .TP, [raw lines])] per .TP item; text before the first .TP and
    after a .PP/.SS ends an item."""
    out = []
    current = None
    expect_tag = False
    for raw in body:
        if raw.startswith(".TP"):
            expect_tag = True
            continue
        if raw.startswith((".PP", ".SS", ".SH")):
            current = None
            continue
        if expect_tag:
            current = (raw, [raw])
            out.append(current)
            expect_tag = False
        elif current is not None:
            current[1].append(raw)
    return out


def text(raws):
    return "\n".join(plain(r) for r in raws)


def conf_items(page):
    for title, body in sections(page):
        match = re.fullmatch(r"\[(\w+)\] SECTION", title)
        if not match:
            continue
        for tag, raws in items(body):
            key = re.match(r"\.BI (\w+)=", tag)
            if key:
                yield match.group(1), key.group(1), raws


def command_items(page):
    for tag, raws in items(section_lines(page, "COMMANDS")):
        name = re.match(r"\.B ([a-z][a-z-]*)", tag)
        if name:
            yield name.group(1), raws


def main(argv):
    what, page = argv[1], argv[2]
    if what == "section":
        print(text(section_lines(page, argv[3])))
    elif what == "conf-keys":
        for section, key, _ in conf_items(page):
            print(section, key)
    elif what == "conf-entry":
        for section, key, raws in conf_items(page):
            if (section, key) == (argv[3], argv[4]):
                print(text(raws))
                return
        sys.exit(f"no [{argv[3]}] {argv[4]} in {page}")
    elif what == "conf-section":
        print(text(section_lines(page, f"[{argv[3]}] SECTION")))
    elif what == "commands":
        for name, _ in command_items(page):
            print(name)
    elif what == "command-entry":
        for name, raws in command_items(page):
            if name == argv[3]:
                print(text(raws))
                return
        sys.exit(f"no command {argv[3]} in {page}")
    elif what == "th":
        for raw in lines(page):
            if raw.startswith(".TH"):
                print("\n".join(shlex.split(raw[3:])))
                return
        sys.exit(f"no .TH in {page}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
