#!/usr/bin/env bash
# CEL exactness: runs the cel-spec simple conformance tests (protobuf JSON, kept outside the
# project) through the CEL library and prints passed/total per file and overall.
#   scripts/cel-conformance.sh [DIR] [-v]   (-v lists each failure with expected and actual values)   (default DIR ../shared/conformance/cel)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=../shared/conformance/cel
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then dir=$1; shift; fi
if [ ! -d "$dir" ]; then echo "cel-conformance: no $dir; nothing to measure"; exit 0; fi
if ! out=$(swift build -c release --product cel-conformance 2>&1); then echo "$out"; exit 1; fi
.build/release/cel-conformance "$@" "$dir"
