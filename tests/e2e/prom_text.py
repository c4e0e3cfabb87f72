"""Checks a scrape of lambdaward's /metrics the way Prometheus reads it.

Owns the one definition, shared by the e2e tests that scrape, of what the
exposition must look like (issue 12): every `lambdaward_` series sits under
its family's `# HELP` and `# TYPE`, each given once per family, and the
whole text parses with prometheus_client, an independent implementation of
the text format (0.0.4), which would otherwise only call such a family
"unknown" with no documentation.
"""
import re

from prometheus_client.parser import text_string_to_metric_families

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def exposition_problems(text):
    """The problems found in text (empty when it is well-formed)."""
    problems, helps, types, family = [], set(), set(), None
    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            name, _, doc = line[len("# HELP "):].partition(" ")
            if name in helps:
                problems.append("line %d: a second HELP for %s" % (no, name))
            if not doc.strip():
                problems.append("line %d: empty HELP for %s" % (no, name))
            helps.add(name)
            family = name
        elif line.startswith("# TYPE "):
            name, _, kind = line[len("# TYPE "):].partition(" ")
            if name in types:
                problems.append("line %d: a second TYPE for %s" % (no, name))
            if name != family:
                problems.append("line %d: TYPE %s not right after its HELP" % (no, name))
            if kind not in ("counter", "gauge"):
                problems.append("line %d: TYPE %s is %r" % (no, name, kind))
            types.add(name)
        else:
            m = SERIES.match(line)
            if not m:
                problems.append("line %d: not a series: %r" % (no, line))
            elif m.group(1).startswith("lambdaward_") and (m.group(1) != family or family not in types):
                problems.append("line %d: %s is not under its family's HELP and TYPE" % (no, m.group(1)))
    try:
        for f in text_string_to_metric_families(text):
            if f.type == "unknown" or not f.documentation:
                problems.append("prometheus_client: %s has type %s, HELP %r" % (f.name, f.type, f.documentation))
    except ValueError as e:
        problems.append("prometheus_client cannot parse it: %s" % e)
    return problems


def value(text, series):
    """The value of one series (`name` or `name{label="v"}`) in text."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise KeyError(series)
