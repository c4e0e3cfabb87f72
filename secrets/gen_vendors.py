#!/usr/bin/env python3
"""Drafts the vendor rows of secrets/catalog.c from gitleaks' rules.

usage: gen_vendors.py GITLEAKS_TOML > vendors.inc

gitleaks (MIT, github.com/gitleaks/gitleaks, config/gitleaks.toml) keeps
the best public list of vendor token shapes. This script turns each rule
into one of our rows: the regex rewritten for PCRE2 and our conventions
(the secret is the only capture group; the leading [\\w.-]{0,50}? that
only widens the match to the left is dropped so PCRE2 can skip ahead to
the keyword), gitleaks' keywords as prefilter literals, the public prefix
a mask keeps, and a sample shape for the tests and the fuzzer. Its output
is reviewed and pasted into catalog.c; it is not part of the build.
"""
import re
import sys
import tomllib
import re._parser as sp
import re._constants as sc

SKIP = {
    # ours, with lambdaward's own rules and tests (catalog.c, "context")
    "generic-api-key", "private-key", "jwt", "jwt-base64", "aws-access-token", "curl-auth-header",
    "curl-auth-user", "pkcs12-file", "kubernetes-secret-yaml", "nuget-config-password",
    "sidekiq-sensitive-url",
    "mailchimp-api-key",  # ours matches the key bare: <32 hex>-us<dc> needs no keyword
}
LITS = {  # keywords too common to be worth a PCRE2 run, or not in the match; '=' marks case-sensitive
    "twilio-api-key": ["=SK"],
    "vault-service-token": ["hvs."],
    "azure-ad-client-secret": ["Q~"],
    "airtable-personnal-access-token": ["=pat"],
    "facebook-access-token": ["=|", "=%"],
}
REGEX = {  # the terminator moves out of the secret group
    "sentry-org-token": r'''\b(sntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[a-zA-Z0-9+/]{10,200}={0,2}_[a-zA-Z0-9+/]{43})(?![a-zA-Z0-9+/])''',
    "vault-service-token": r'''\b(hvs\.[\w-]{90,120})(?:[\x60'"\s;]|\\[nr]|$)''',
}
WHOLE = {"microsoft-teams-webhook"}  # its only group is a piece of a UUID: the whole URL is the secret
CLASSES = [
    ("cloud", "alibaba aws azure gcp digitalocean heroku flyio cloudflare fastly netlify scalingo yandex openshift "
              "databricks confluent planetscale clickhouse hashicorp vault doppler pulumi prefect defined-networking "
              "okta authress 1password age infracost harness octopus droneci travisci codecov"),
    ("vcs", "github gitlab bitbucket gitter sourcegraph"),
    ("payment", "stripe square paypal plaid flutterwave gocardless coinbase kraken kucoin bittrex finicity "
                "shippo easypost duffel freemius adyen"),
    ("chat", "slack discord telegram microsoft-teams mattermost twilio messagebird sendbird intercom"),
    ("ai", "openai anthropic cohere huggingface perplexity privateai"),
]
ACRO = {"api": "API", "pat": "PAT", "id": "ID", "aws": "AWS", "gcp": "GCP", "ca": "CA", "ci": "CI", "url": "URL",
        "oauth": "OAuth", "ad": "AD", "tf": "TF", "cicd": "CI/CD", "scim": "SCIM", "rrt": "RRT", "ptt": "PTT",
        "npm": "npm", "pypi": "PyPI", "github": "GitHub", "gitlab": "GitLab", "openai": "OpenAI"}


def cls(rid):
    for c, words in CLASSES:
        for w in words.split():
            if rid.startswith(w):
                return c
    return "saas"


def name(rid):
    return " ".join(ACRO.get(w, w.capitalize()) for w in rid.split("-"))


def groups(rx):
    """Offsets of the '(' of capturing groups."""
    out, i, cls_ = [], 0, False
    while i < len(rx):
        c = rx[i]
        if c == "\\":
            i += 2
            continue
        if cls_:
            if c == "]":
                cls_ = False
        elif c == "[":
            cls_ = True
            if rx[i + 1:i + 2] == "]" or rx[i + 1:i + 3] == "^]":
                i += 2 if rx[i + 1] == "]" else 3
                continue
            if rx[i + 1:i + 3] == "[:":
                pass
        elif c == "(" and rx[i + 1:i + 2] != "?":
            out.append(i)
        i += 1
    return out


def only_group(rx, keep):
    gs = groups(rx)
    for k, off in reversed(list(enumerate(gs, 1))):
        if k != keep:
            rx = rx[:off + 1] + "?:" + rx[off + 1:]
    return rx


def strip_inline_flags(rx):
    return re.sub(r"\(\?-?i\)", "", rx).replace("(?-i:", "(?:").replace("(?i:", "(?:")


def shape_of(tree, out):
    for op, av in tree:
        if op is sc.LITERAL:
            out.append(("lit", chr(av)))
        elif op is sc.IN:
            out.append(("cls", chars(av)))
        elif op is sc.ANY:
            out.append(("lit", "."))  # unescaped dots in host names
        elif op in (sc.MAX_REPEAT, sc.MIN_REPEAT, sc.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            n = lo if hi == sc.MAXREPEAT else (lo if lo > 0 else min(hi, 1 if hi < 4 else 0))
            if lo == 0 and hi != sc.MAXREPEAT and hi <= 3:
                n = 0
            inner = []
            shape_of(sub, inner)
            if len(inner) == 1 and inner[0][0] == "cls":
                out.append(("rep", inner[0][1], n))
            else:
                for _ in range(n):
                    out.extend(inner)
        elif op is sc.SUBPATTERN:
            shape_of(av[3], out)
        elif op is sc.BRANCH:
            shape_of(av[1][0], out)
        elif op is sc.CATEGORY:
            out.append(("cls", cat(av)))
        elif op in (sc.AT, sc.ASSERT, sc.ASSERT_NOT):
            pass
        elif op is sc.NOT_LITERAL:
            out.append(("cls", "a"))
        else:
            raise ValueError(f"shape: {op}")


def cat(c):
    d = "0123456789"
    w = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + d + "_"
    return {sc.CATEGORY_DIGIT: d, sc.CATEGORY_WORD: w, sc.CATEGORY_SPACE: " "}.get(c, w[:62])


def chars(items):
    s = ""
    for op, av in items:
        if op is sc.LITERAL:
            s += chr(av)
        elif op is sc.RANGE:
            s += "".join(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sc.CATEGORY:
            s += cat(av)
        elif op is sc.NEGATE:
            return "abcdefghij0123456789"
    return "".join(dict.fromkeys(s))


def render(shape):
    """Our shape syntax: literal bytes, [class] once, [class]{n}."""
    out = ""
    for item in shape:
        if item[0] == "lit":
            c = item[1]
            out += "\\" + c if c in "[]{}\\" else c
        elif not (item[0] == "rep" and item[2] == 0):
            cl = "".join("\\" + c if c in "]\\" else c for c in item[1])
            out += "[" + cl + "]"
            if item[0] == "rep" and item[2] != 1:
                out += "{%d}" % item[2]
    return out


def balanced(rx, off):
    """End of the group opening at rx[off]."""
    depth, j = 0, off
    while True:
        c = rx[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = rx.index("]", j + 2 if rx[j + 1] in "]^" else j + 1) + 1
            continue
        depth += c == "("
        depth -= c == ")"
        j += 1
        if depth == 0:
            return j


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def keep_of(shape):
    k = 0
    for item in shape:
        if item[0] != "lit" or not (item[1].isalnum() or item[1] in "_-."):
            break
        k += 1
    return k if k <= 16 else 16


def main(path):
    rules = tomllib.load(open(path, "rb"))["rules"]
    for r in rules:
        rid = r["id"]
        if rid in SKIP or "regex" not in r or "path" in r:  # path rules judge file names, not log lines
            continue
        rx = REGEX.get(rid, r["regex"])
        # the leading lazy [\\w.-]{0,50}? only widens a match to the left, and
        # nested twice it costs ~2,500 steps at every position of a line
        # without the keyword: 0.2 s for a 1 MB record
        rx = rx.replace("[\\w.-]{0,50}?(?i:[\\w.-]{0,50}?", "(?i:")
        keyword_rule = rx.startswith("(?i)[\\w.-]{0,50}?(?:") or rx.startswith("(?i:(?:")
        if rx.startswith("(?i)[\\w.-]{0,50}?(?:"):
            rx = "(?i)" + rx[len("(?i)[\\w.-]{0,50}?"):]
        if rid in WHOLE:
            rx = only_group(rx, 0)
        gs = groups(rx)
        if not gs:
            lead = "(?i)" if rx.startswith("(?i)") else ""
            rx = lead + "(" + rx[len(lead):] + ")"
            g = 1
        else:
            g = r.get("secretGroup", 1)
            rx = only_group(rx, g)
        # the secret group's own text, for the sample shape
        off = groups(rx)[0]
        sub = strip_inline_flags(rx[off:balanced(rx, off)])
        sh = []
        shape_of(sp.parse(sub.replace("[[:alnum:]]", "[a-zA-Z0-9]").replace("\\z", "\\Z")), sh)
        kw = "NULL"
        lead = rx.find("(?:", rx.find("[\\w.-]{0,50}?") + 1) if "[\\w.-]{0,50}?" in rx else (4 if keyword_rule else -1)
        if lead >= 0:
            ks = []
            shape_of(sp.parse(strip_inline_flags(rx[lead:balanced(rx, lead)])), ks)
            kw = cstr("".join(i[1] if i[0] == "lit" else i[1][0] * (i[2] if i[0] == "rep" else 1) for i in ks))
        lits = LITS.get(rid, r.get("keywords", []))
        c = cls(rid)
        crit = "true" if c in ("cloud", "vcs", "payment", "chat") else "false"
        print("    {%s, %s, LW_SC_%s, %s, %s," % (cstr(rid.replace("-", "_")), cstr(name(rid)), c.upper(), crit,
                                              cstr(rx)))
        print("     {%s}, %d, %.1f, 0, %s, %s}," % (", ".join(cstr(l) for l in lits[:6]),
                                                 0 if keyword_rule else keep_of(sh),
                                                 float(r.get("entropy", 0)), cstr(render(sh)), kw))


if __name__ == "__main__":
    main(sys.argv[1])
