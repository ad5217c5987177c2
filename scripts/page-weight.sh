#!/usr/bin/env bash
# Page weight (issues 2 and 3): transfer size of every page type, uncompressed and gzip, on the demo data set.
# Starts `ruralserve serve --demo` (SQLite, temporary data directory) on 127.0.0.1:18182; builds nothing.
#
#   scripts/page-weight.sh            # prints a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/ruralserve}
HOST=127.0.0.1:${PORT:-18182}
BASE=http://$HOST
WORK=$(mktemp -d /tmp/page-weight.XXXXXX)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

RURALSERVE_DATA_DIR=$WORK/data RURALSERVE_LISTEN=$HOST RUST_LOG=warn timeout 600 "$BIN" serve --demo \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do curl -s -o /dev/null --max-time 2 "$BASE/login" && break; sleep 0.2; done

csrf_of() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1; }

# log_in JAR EMAIL
log_in() {
    local jar=$1 csrf
    csrf=$(curl -sf -c "$jar" -b "$jar" "$BASE/login" | csrf_of)
    curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=$2" \
        --data-urlencode "password=rural-service-demo" --data-urlencode "csrf_token=$csrf" "$BASE/login"
    curl -s -o /dev/null -c "$jar" -b "$jar" "$BASE/"
}

echo "| page | status | uncompressed bytes | gzip bytes | + CSS gzip |"
echo "|---|---:|---:|---:|---:|"
css_gz=$(curl -s -o /dev/null --compressed -w '%{size_download}' "$BASE/static/style.css")
# measure JAR PATH
measure() {
    local jar=$1 path=$2 plain gz code
    read -r code plain < <(curl -s -o "$WORK/last.html" -b "$jar" -c "$jar" -w '%{http_code} %{size_download}\n' "$BASE$path")
    gz=$(curl -s -o /dev/null --compressed -b "$jar" -c "$jar" -w '%{size_download}' "$BASE$path")
    echo "| \`$path\` | $code | $plain | $gz | $((gz + css_gz)) |"
}

anon=$WORK/anon; : >"$anon"
for p in /static/style.css / /calls/1 /login /register /password/forgot; do measure "$anon" "$p"; done

applicant=$WORK/applicant; log_in "$applicant" applicant@demo.ruralserve.org
csrf=$(curl -s -b "$applicant" -c "$applicant" "$BASE/calls/1" | csrf_of)
location=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$applicant" -c "$applicant" \
    --data-urlencode "csrf_token=$csrf" "$BASE/calls/1/apply")
app_id=$(echo "$location" | grep -o '/applications/[0-9]*' | grep -o '[0-9]*')
measure "$applicant" /my/applications
for step in personal education home essays eligibility documents; do
    measure "$applicant" "/applications/$app_id/step/$step"
done
measure "$applicant" "/applications/$app_id"

officer=$WORK/officer; log_in "$officer" officer@moh.demo.ruralserve.org
for p in /funder /funder/applications /funder/programmes/new /funder/programmes/1/calls/new; do
    measure "$officer" "$p"
done
first=$(curl -s -b "$officer" "$BASE/funder/applications" | grep -o 'href="/applications/[0-9]*"' | head -1 | grep -o '[0-9]*')
measure "$officer" "/applications/$first"

# Review, ranking and awards (issue 3): the call's pages, a reviewer's, and one award taken from proposal
# to countersignature so that its page shows the contract and a year of payments.
for p in /funder/calls/1 /funder/calls/1/ranking; do measure "$officer" "$p"; done
# post JAR PATH FIELD=VALUE...: a form with the page's CSRF token (read from /funder).
post() {
    local jar=$1 path=$2 csrf; shift 2
    csrf=$(curl -s -b "$jar" -c "$jar" "$BASE/" | csrf_of)
    local -a args=(--data-urlencode "csrf_token=$csrf")
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" "${args[@]}" "$BASE$path"
}
version_of() { curl -s -b "$1" "$BASE$2" | sed -n 's/.*name="version" value="\([0-9]*\)".*/\1/p' | head -1; }
proposed=$(curl -s -b "$officer" "$BASE/funder/calls/1/ranking" |
    sed -n 's/.*name="application_id" value="\([0-9]*\)".*/\1/p' | head -1)
[[ $(post "$officer" /funder/calls/1/propose "application_id=$proposed") == 303 ]] || { echo "propose failed" >&2; exit 1; }
award=$(curl -s -b "$officer" "$BASE/funder/awards" | grep -o 'href="/awards/[0-9]*"' | head -1 | grep -o '[0-9]*')
approver=$WORK/approver; log_in "$approver" approver@moh.demo.ruralserve.org
post "$approver" "/funder/awards/$award/approve" "version=$(version_of "$approver" "/awards/$award")" >/dev/null
deadline=$(date -u -d '+7 days' +%Y-%m-%dT%H:%M)
post "$officer" "/funder/awards/$award/offer" "version=$(version_of "$officer" "/awards/$award")" \
    "offer_deadline=$deadline" >/dev/null
scholar=$WORK/scholar
# The demo numbers the ministry's applications in the order of its students (student01.moh… is 1).
log_in "$scholar" "$(printf 'student%02d.moh@demo.ruralserve.org' "$proposed")"
measure "$scholar" "/awards/$award"
name=$(curl -s -b "$scholar" "$BASE/awards/$award" | sed -n 's/.*<h1>[^·]*· \(.*\)<\/h1>.*/\1/p' | head -1)
post "$scholar" "/awards/$award/respond" "version=$(version_of "$scholar" "/awards/$award")" "response=accept" \
    "typed_name=$name" "agreed=yes" >/dev/null
post "$officer" "/funder/awards/$award/countersign" "version=$(version_of "$officer" "/awards/$award")" >/dev/null
for p in /funder/awards "/awards/$award" "/awards/$award/contract"; do measure "$officer" "$p"; done
measure "$scholar" /my/awards
reviewer=$WORK/reviewer; log_in "$reviewer" reviewer@moh.demo.ruralserve.org
measure "$reviewer" /reviews
assignment=$(curl -s -b "$reviewer" "$BASE/reviews" | grep -o 'href="/reviews/[0-9]*"' | head -1 | grep -o '[0-9]*')
measure "$reviewer" "/reviews/$assignment"

admin=$WORK/admin; log_in "$admin" admin@demo.ruralserve.org
for p in /admin /admin/audit /admin/mailbox; do measure "$admin" "$p"; done
echo
echo "application for screenshots: $app_id (data dir $WORK/data)" >&2
