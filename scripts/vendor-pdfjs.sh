#!/usr/bin/env bash
# Copies pdf.js (Apache-2.0, Mozilla) from npm into web/vendor/, where the review page's page
# view loads it from the binary: the ES-module builds of the library and its worker, the
# licence, and the character maps of simplified Chinese (Adobe-GB1: UniGB-UCS2-H and its
# kin), which PDFs with fonts not embedded — common in government reports — need to be drawn. The version is pinned here; run this again after changing it and commit what it
# copied. Needs npm; nothing else is installed or kept.
set -euo pipefail

version=6.5.438
here=$(cd "$(dirname "$0")" && pwd)
vendor="$here/../web/vendor"

work=$(mktemp -d -t jixiao-pdfjs.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "pdfjs-dist@$version" >/dev/null && tar -xzf "pdfjs-dist-$version.tgz")
pkg="$work/package"
test "$(node -p "require('$pkg/package.json').version")" = "$version"

cp "$pkg/build/pdf.min.mjs" "$vendor/pdf.min.mjs"
cp "$pkg/build/pdf.worker.min.mjs" "$vendor/pdf.worker.min.mjs"
cp "$pkg/LICENSE" "$vendor/pdfjs.LICENSE"
rm -rf "$vendor/cmaps"
mkdir -p "$vendor/cmaps"
cp "$pkg"/cmaps/*GB*.bcmap "$vendor/cmaps/"
cp "$pkg/cmaps/LICENSE" "$vendor/cmaps/LICENSE"
echo "pdf.js $version copied to $vendor:"
ls -l "$vendor"/pdf.min.mjs "$vendor"/pdf.worker.min.mjs "$vendor"/pdfjs.LICENSE
echo "$(ls "$vendor"/cmaps/*.bcmap | wc -l) character maps; src/http/web.rs names each of them:"
(cd "$vendor/cmaps" && ls *.bcmap | sed 's/\.bcmap$//' | tr '\n' ' ')
echo
