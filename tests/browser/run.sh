#!/usr/bin/env bash
# Browser test of the assessor page: builds jixiao, serves it on a temporary SQLite database
# and a free port, makes an assessor, a reader and an admin token, and drives the page in
# Debian's headless chromium through tests/browser/review.spec.mjs, then the original page
# (pageview.spec.mjs), the work queue (queue.spec.mjs) and accessibility (a11y.spec.mjs) on
# the same server. Screenshots go to a temporary
# folder whose path is printed. Exits non-zero when any step fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

apt_install() {
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    else
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
}

# Debian's browser only: Playwright never downloads one here.
if [ ! -x /usr/bin/chromium ]; then
    echo "browser test: installing chromium with apt"
    apt_install chromium
fi
# A Chinese font, so the screenshots show text rather than empty boxes.
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    echo "browser test: installing a Chinese font with apt"
    apt_install fonts-wqy-microhei || echo "browser test: no Chinese font; screenshots will show boxes"
fi

if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    echo "browser test: needs Node.js 20 or newer with npm (playwright-core requires it)" >&2
    exit 1
fi
(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
(cd "$root" && cargo build --quiet --bin jixiao)
bin="${CARGO_TARGET_DIR:-$root/target}/debug/jixiao"

work=$(mktemp -d -t jixiao-browser.XXXXXX)
shots="$work/screenshots"
mkdir -p "$shots"
db="$work/jixiao.db"
echo "browser test: working in $work (screenshots in $shots)"

assessor=$("$bin" token create --role assessor --name 测试评审员 --database-url "$db" 2>/dev/null)
reader=$("$bin" token create --role reader --name 测试读者 --database-url "$db" 2>/dev/null)
admin=$("$bin" token create --role admin --name 测试管理员 --database-url "$db" 2>/dev/null)

# serve DB [VAR=value …]: starts jixiao on DB and a free port (base, server); exits on failure.
serve() {
    local db=$1
    shift
    port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    base="http://127.0.0.1:$port"
    env "$@" RUST_LOG=${RUST_LOG:-warn} "$bin" serve --database-url "$db" --bind "127.0.0.1:$port" \
        --workers 1 >>"$work/server.log" 2>&1 &
    server=$!
    local up=0
    for _ in $(seq 1 100); do
        if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$base/api/health"; then
            up=1
            break
        fi
        if ! kill -0 "$server" 2>/dev/null; then break; fi
        sleep 0.2
    done
    if [ "$up" != 1 ]; then
        echo "browser test: the server did not start" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
}
stop() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap stop EXIT

# OCR off: the test's scan stands for a report the server cannot read, and how the page says so.
serve "$db" JIXIAO_TESSERACT=off

status=0
(cd "$here" && BASE_URL="$base" TOKEN="$assessor" READER_TOKEN="$reader" \
    SAMPLE="$root/samples/002_c76de0c36188412a.txt" SHOT_DIR="$shots" \
    timeout 240 node review.spec.mjs) || status=$?
# The original page beside the facts (pdf.js), on its own page and documents.
(cd "$here" && BASE_URL="$base" TOKEN="$assessor" PDF="$root/samples/000_af58de54e7000d7e.pdf" \
    SAMPLE="$root/samples/002_c76de0c36188412a.txt" SHOT_DIR="$shots" \
    timeout 120 node pageview.spec.mjs) || status=$?
# Accessibility (axe-core) of every view, 200 % zoom, screenshots at 1366×768 and 1920×1080.
(cd "$here" && BASE_URL="$base" TOKEN="$assessor" \
    SAMPLE="$root/samples/002_c76de0c36188412a.txt" SHOT_DIR="$shots" \
    timeout 180 node a11y.spec.mjs) || status=$?
# The work queue: search, sort, assignment and the next document.
(cd "$here" && BASE_URL="$base" TOKEN="$assessor" ADMIN_TOKEN="$admin" SHOT_DIR="$shots" \
    timeout 180 node queue.spec.mjs) || status=$?
# A scan's page image with the boxes of what OCR read, on a server that OCRs (where tesseract
# with its Chinese model is installed, as .ci/run installs it).
if command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx chi_sim; then
    stop
    scan_db="$work/scan.db"
    scan_assessor=$("$bin" token create --role assessor --name 测试评审员 --database-url "$scan_db" 2>/dev/null)
    serve "$scan_db"
    (cd "$here" && BASE_URL="$base" TOKEN="$scan_assessor" PDF="$root/samples/scanned-000.pdf" NAME=scan \
        SAMPLE="$root/samples/002_c76de0c36188412a.txt" SHOT_DIR="$shots" \
        timeout 400 node pageview.spec.mjs) || status=$?
else
    echo "browser test: tesseract with chi_sim is not installed; the scan's page view is not tried"
fi
if [ "$status" != 0 ]; then
    echo "browser test: failed; server log follows" >&2
    tail -n 40 "$work/server.log" >&2
fi
echo "browser test: screenshots in $shots"
exit "$status"
