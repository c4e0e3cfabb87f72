#!/usr/bin/env python3
"""The man pages say what the program does.

conf5: every section and option that `check-config --reference` prints
(the walk of the option tables the loader uses) has its heading and its
tagged paragraph in the generated lambdaward.conf(5), under that section.
man1: every command the top-level --help lists and every option each
command's --help prints appear in lambdaward(1). Either page passes
`man --warnings` as lintian runs it.

usage: test_man.py BUILD_DIR SOURCE_DIR conf5|man1
"""
import os
import re
import shutil
import subprocess
import sys

build, src, which = sys.argv[1], sys.argv[2], sys.argv[3]
exe = os.path.join(build, "lambdaward")
conf5 = os.path.join(build, "packaging", "lambdaward.conf.5")
man1 = os.path.join(src, "man", "lambdaward.1")
failures = []
checks = 0


def check(what, ok):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def unroff(text):
    """The roff source as the words a reader sees (escapes and fonts out)."""
    text = re.sub(r"\\f[BIRP]|\\f\[[A-Z]*\]|\\&|\\%", "", text)
    return text.replace("\\-", "-").replace("\\e", "\\").replace("\\(em", "-")


def mentions(words, opt):
    return re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", words) is not None


def lintian_man(path):
    """As lintian reads a page: man --warnings says nothing."""
    if not shutil.which("man"):
        print("man not installed: the lintian-style check is skipped")
        return
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", path],
                       capture_output=True, text=True, env=env)
    name = os.path.basename(path)
    check(f"man --warnings: {name} exits 0", p.returncode == 0)
    check(f"man --warnings: {name} says nothing: {p.stderr.strip()}", p.stderr.strip() == "")


def conf5_checks():
    rc, ref = run("check-config", "--reference")
    check("check-config --reference exits 0", rc == 0)
    sections = {}
    current = None
    for line in ref.splitlines():
        if line.startswith("["):
            current = line
            sections[current] = []
        elif current and re.match(r"^;[a-z][a-z0-9_]* =", line):
            sections[current].append(line[1:].split(" =")[0])
    check("the reference lists sections", len(sections) >= 8)
    check("the reference lists options", sum(len(v) for v in sections.values()) >= 50)

    with open(conf5, encoding="utf-8") as f:
        page = f.read()
    # The page split at its subsections: heading -> the options tagged in it.
    in_page = {}
    heading = None
    lines = page.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r'^\.SS "(.*)"$', line)
        if m:
            heading = unroff(m.group(1))
            in_page[heading] = set()
        elif line.startswith(".SH"):
            heading = None
        elif heading and line == ".TP" and i + 1 < len(lines) and lines[i + 1].startswith(".B "):
            in_page[heading].add(unroff(lines[i + 1][3:]))
    for sec, opts in sections.items():
        check(f"lambdaward.conf(5) has a heading {sec}", sec in in_page)
        for o in opts:
            check(f"lambdaward.conf(5) documents {sec} {o}", o in in_page.get(sec, set()))
    check("lambdaward.conf(5) has no template marker left", "@OPTIONS@" not in page and "@VERSION@" not in page)
    for part in ("FILE FORMAT", "VALUES", "SECRETS", "OPTIONS", "EXAMPLES", "FILES", "SEE ALSO"):
        check(f"lambdaward.conf(5) has {part}", re.search(rf'^\.SH "?{part}"?$', page, re.M) is not None)
    lintian_man(conf5)


def man1_checks():
    with open(man1, encoding="utf-8") as f:
        words = unroff(f.read())
    rc, top = run("--help")
    check("lambdaward --help exits 0", rc == 0)
    commands = re.findall(r"^  ([a-z][a-z-]+)\s{2,}", top.split("Commands:")[1].split("Options:")[0], re.M)
    check("--help lists commands", len(commands) >= 4)
    for opt in re.findall(r"(?<![\w-])(--?[a-zA-Z][a-zA-Z-]*)", top.split("Options:")[1]):
        check(f"lambdaward(1) documents {opt}", mentions(words, opt))
    for cmd in commands:
        # A command has its own tagged paragraph under COMMANDS.
        check(f"lambdaward(1) documents the command {cmd}",
              re.search(rf"^\.TP\n\.B {re.escape(cmd)}\b", words, re.M) is not None)
        rc, text = run(cmd, "--help")
        check(f"lambdaward {cmd} --help exits 0", rc == 0)
        for opt in sorted(set(re.findall(r"(?<![\w/.-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])", text))):
            check(f"lambdaward(1) documents {cmd} {opt}", mentions(words, opt))
    for part in ("SYNOPSIS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"):
        check(f"lambdaward(1) has {part}", re.search(rf'^\.SH "?{part}"?$', words, re.M) is not None)
    for var in ("AWS_CA_BUNDLE", "NO_COLOR", "COLUMNS", "CREDENTIALS_DIRECTORY", "AWS_REGION", "AWS_PROFILE"):
        check(f"lambdaward(1) names {var}", var in words)
    lintian_man(man1)


{"conf5": conf5_checks, "man1": man1_checks}[which]()
print(f"test_man {which}: {checks - len(failures)} of {checks} checks passed")
sys.exit(1 if failures else 0)
