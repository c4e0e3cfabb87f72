#!/bin/bash
# Bash completion as a user meets it: the completion file is sourced and
# its function called with COMP_WORDS/COMP_CWORD as bash sets them. Every
# command that `lambdaward --help` lists and every option each command's
# --help prints is offered; values come from what the program knows
# (detector names from check-config --reference, webhooks from the config).
#
# usage: test_completion.sh BUILD_DIR SOURCE_DIR
set -u
build="$1" src="$2"
exe="$build/lambdaward"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {
    local what="$1"; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}

# shellcheck source=/dev/null
source "$src/contrib/bash-completion/lambdaward"
registered() { complete -p lambdaward 2>/dev/null | grep -q -- "-F _lambdaward lambdaward"; }
check "complete -F _lambdaward lambdaward is registered" registered

# complete WORD...: COMPREPLY for the last word, as bash would ask.
complete_line() {
    COMP_WORDS=("$exe" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}" COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _lambdaward
    printf '%s\n' "${COMPREPLY[@]}"
}
has() { grep -qxF -- "$2" <<<"$1"; }

# --- commands and their options, against the program's own --help -------------
top=$(complete_line "")
commands=$("$exe" --help | sed -n '/^Commands:/,/^Options:/s/^  \([a-z][a-z-]*\)  .*/\1/p')
check "--help lists commands" test -n "$commands"
for c in $commands; do
    check "command $c is offered" has "$top" "$c"
    offered=$(complete_line "$c" "-")
    for o in $("$exe" "$c" --help | grep -oE '(^|[ ,[|])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u); do
        check "$c: $o is offered" has "$offered" "$o"
    done
done
check "--version at the top" has "$top" "--version"
check "prefix: 'st' gives status only" test "$(complete_line st)" = "status"

# --- values ----------------------------------------------------------------------
sev=$(complete_line query --fail-on "")
for s in info low medium high critical; do check "--fail-on offers $s" has "$sev" "$s"; done
check "--severity h gives high" test "$(complete_line findings --severity h)" = "high"
check "--output offers table and json" test "$(complete_line query --output "" | sort | tr '\n' ' ')" = "json table "
check "--color offers auto always never" \
    test "$(complete_line query --color "" | sort | tr '\n' ' ')" = "always auto never "
dets=$(complete_line findings --detector "")
for d in $("$exe" check-config --reference | sed -n 's/^\[detector \(.*\)\]$/\1/p'); do
    check "--detector offers $d" has "$dets" "$d"
done
check "--detector offers nothing that is not a detector" test "$(wc -l <<<"$dets")" -eq \
    "$("$exe" check-config --reference | grep -c '^\[detector ')"

# Files: --config, --file and query's positional FILE... complete paths.
mkdir "$tmp/d" && touch "$tmp/d/export.jsonl" "$tmp/d/lw.conf"
check "--config completes a path" has "$(complete_line run --config "$tmp/d/lw")" "$tmp/d/lw.conf"
check "query FILE... completes a path" has "$(complete_line query "$tmp/d/exp")" "$tmp/d/export.jsonl"
check "check-config FILE completes a path" has "$(complete_line check-config "$tmp/d/lw")" "$tmp/d/lw.conf"

# Webhook names from the configuration on the line.
printf '[webhook security]\nurl = https://hooks.example.com/x\n[ webhook slack ]\n[watch lambda]\n' > "$tmp/d/lw.conf"
hooks=$(complete_line test-webhook --config "$tmp/d/lw.conf" "")
check "test-webhook offers security" has "$hooks" security
check "test-webhook offers slack" has "$hooks" slack
check "test-webhook offers no other section" test "$(wc -l <<<"$hooks")" -eq 2
check "query --webhook offers the config's" has "$(complete_line query --config "$tmp/d/lw.conf" --webhook s)" slack

echo "test_completion: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
