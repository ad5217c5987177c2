#!/usr/bin/env bash
# The 360-px phone pass (issue 9): starts `ruralserve serve --demo` on a temporary SQLite data set, then walks
# each role's pages in Debian's headless Chromium with JavaScript off, in English and French, saving screenshots
# and failing when a page scrolls sideways or a button, select or button-link is under 40 px tall.
#
#   scripts/phone-pass.sh [OUT_DIR]       # BIN=target/release/ruralserve by default; builds nothing
#
# Needs Debian's chromium and Node.js; installs playwright-core (the driver only, no browser) in a temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/ruralserve}
OUT=${1:-phone-pass}
HOST=127.0.0.1:${PORT:-18183}
BASE=http://$HOST
WORK=$(mktemp -d /tmp/phone-pass.XXXXXX)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
command -v chromium >/dev/null || { echo "needs Debian's chromium (apt-get install -y chromium)" >&2; exit 2; }
(cd "$WORK" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null)
cp scripts/phone-pass.mjs "$WORK/"
mkdir -p "$OUT"

RURALSERVE_DATA_DIR=$WORK/data RURALSERVE_LISTEN=$HOST RUST_LOG=warn timeout 900 "$BIN" serve --demo \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do curl -s -o /dev/null --max-time 2 "$BASE/login" && break; sleep 0.2; done

status=0
walk() { node "$WORK/phone-pass.mjs" "$BASE" "$@" || status=1; }
for lang in en fr; do
    export SWITCH_LANG=$lang
    walk - "$OUT" / /calls/1 /login /register /password/forgot /verify/resend
    walk student01.moh@demo.ruralserve.org "$OUT" /my/applications /applications/1 /applications/1/step/personal \
        /applications/1/step/home /applications/1/step/eligibility /applications/1/step/documents /applications/1/delete
    walk student04.moh@demo.ruralserve.org "$OUT" /applications/4 /applications/4/withdraw /account/tokens
    walk reviewer@moh.demo.ruralserve.org "$OUT" /reviews /reviews/1
    walk officer@moh.demo.ruralserve.org "$OUT" /funder /funder/programmes/1 /funder/places \
        "/funder/applications?call=&status=&eligibility=&county=&cadre=&q=" /funder/calls/1 /funder/calls/1/ranking \
        /funder/awards
    walk placement@moh.demo.ruralserve.org "$OUT" /funder /placement /placement/cycles/new /placement/cycles/1 \
        /placement/cycles/1/vacancies /placement/cycles/1/runs /facilities /facilities/1 /facilities/upload
    walk placement@rhsf.demo.ruralserve.org "$OUT" /placement/cycles/2/runs /placement/runs/1 \
        "/placement/cycles/2/compare?a=1&b=1" /placement/cycles/2/appeals /placement/appeals/1 \
        /placement/cycles/2/swaps /placement/cycles/2/transfers
    walk compliance@rhsf.demo.ruralserve.org "$OUT" /compliance
    walk applicant@demo.ruralserve.org "$OUT" /my/placement /my/placement/1/choices
    walk scholar001.rhsf@demo.ruralserve.org "$OUT" /my/placement /my/placement/2/result /my/placement/2/swaps \
        /my/placement/2/appeal
    walk supervisor@moh.demo.ruralserve.org "$OUT" /supervisor
    walk admin@demo.ruralserve.org "$OUT" /admin /admin/audit /admin/mailbox /admin/jobs /admin/supervisors \
        /admin/coordinators
done
echo "screenshots in $OUT/"
exit $status
