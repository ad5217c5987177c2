#!/usr/bin/env bash
# Page weight (issue 2): transfer size of every page type, uncompressed and gzip, on the demo data set.
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

admin=$WORK/admin; log_in "$admin" admin@demo.ruralserve.org
for p in /admin /admin/audit /admin/mailbox; do measure "$admin" "$p"; done
echo
echo "application for screenshots: $app_id (data dir $WORK/data)" >&2
