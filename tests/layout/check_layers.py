#!/usr/bin/env python3
"""Checks that dependencies point one way (DESIGN.md, "Layout").

Every quoted #include in production code is checked against the folders
its own folder may use; a header from a layer above (or a sibling that is
not below) fails the test with the file, line and include. Also checks
that every production .c/.h opens with a comment saying what it owns.

usage: check_layers.py SOURCE_DIR
"""
import os
import re
import sys

# Folder -> the folders (or single headers) it may include, besides itself.
# The order is the pipeline's: cli -> sources/sinks -> daemon's root ->
# pipeline -> config -> detectors -> parsers -> common, with secrets/ (the
# secret catalogue and redaction) below detectors; net and aws sit
# beside it, below the sources that use them. daemon/log.h is a leaf any
# part of the program may log through.
BELOW = {
    "common": [],
    "secrets": ["common"],
    "parsers": ["common"],
    "detectors": ["common", "parsers", "secrets"],
    "config": ["common", "parsers", "detectors", "secrets"],
    "daemon/net": ["common"],
    "aws": ["common", "daemon/net", "daemon/log.h"],
    "daemon/pipeline": ["common", "parsers", "detectors", "secrets", "config", "daemon/log.h"],
    "daemon": ["common", "parsers", "detectors", "secrets", "config", "daemon/pipeline", "daemon/net"],
    "daemon/sinks": ["common", "parsers", "detectors", "secrets", "config", "daemon/pipeline", "daemon/net", "daemon"],
    "daemon/sources": ["common", "parsers", "detectors", "secrets", "config", "daemon/pipeline", "daemon/net", "daemon",
                       "aws"],
    "daemon/cli": ["common", "parsers", "detectors", "secrets", "config", "daemon/pipeline", "daemon/net", "daemon",
                   "aws", "daemon/sources", "daemon/sinks"],
}

# Headers a folder may not use although their folder is below it. Judgement
# runs on event time: nothing that judges events reads the wall clock.
NEVER = {
    "parsers": ["common/clock.h"],
    "detectors": ["common/clock.h"],
    "daemon/pipeline": ["common/clock.h"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(top):
    bad = []
    files = 0
    for folder in BELOW:
        d = os.path.join(top, folder)
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            files += 1
            path = os.path.join(d, name)
            rel = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            if not lines or not lines[0].startswith("/*"):
                bad.append(f"{rel}:1: does not open with a comment saying what it owns")
            for no, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                inc_folder = os.path.dirname(inc)
                if inc in NEVER.get(folder, []):
                    bad.append(f"{rel}:{no}: #include \"{inc}\": {folder}/ judges on event time, never the wall clock")
                    continue
                if inc_folder == folder or inc in BELOW[folder] or inc_folder in BELOW[folder]:
                    continue
                if inc_folder not in BELOW:
                    bad.append(f"{rel}:{no}: #include \"{inc}\": not a header of the tree")
                else:
                    bad.append(f"{rel}:{no}: #include \"{inc}\": {folder}/ may not use {inc_folder}/")
    for b in bad:
        print(b)
    print(f"layering: {files} files checked, {len(bad)} problems")
    return 1 if bad or files == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
