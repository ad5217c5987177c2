#!/usr/bin/env bash
# Load test of the funder's application list and the application page (issue 2).
#
# For each backend (SQLite file in a temporary data directory; PostgreSQL database rs_bench, created
# fresh and dropped at the end) it seeds COUNT applications with examples/seed_applications, starts the
# release server on 127.0.0.1:18181, logs in as the MOH programme officer, and runs wrk with CONNS
# connections for DURATION against four pages, recording req/s, p50, p99 and non-200 responses.
#
# Builds nothing: run `cargo build --release --bins --examples` first.
#
#   scripts/bench-pages.sh                    # both backends
#   BACKENDS=sqlite scripts/bench-pages.sh    # one
#
# Environment: COUNT (100000), CONNS (32), THREADS (2), DURATION (20s), PG_ADMIN_URL
# (postgres://postgres@127.0.0.1:5432), OUT (results file, default target/bench-pages.md), KEYSET=1 to
# add page 2000 reached by a keyset cursor (?before=ID) as a fifth URL.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/ruralserve}
SEED=${SEED:-target/release/examples/seed_applications}
COUNT=${COUNT:-100000}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=rs_bench
HOST=127.0.0.1:18181
BASE=http://$HOST
OUT=${OUT:-target/bench-pages.md}

for tool in "$BIN" "$SEED"; do
    [[ -x $tool ]] || { echo "missing $tool: run cargo build --release --bins --examples" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/bench-pages.XXXXXX)
SERVER_PID=
PG_CREATED=

stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

drop_pg() {
    if [[ -n $PG_CREATED ]]; then
        psql "$PG_ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null || true
        PG_CREATED=
    fi
}

cleanup() {
    stop_server
    drop_pg
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wrk counts only 4xx/5xx as errors; this counts every answer that is not 200 (a 303 to /login too).
cat >"$WORK/count.lua" <<'LUA'
non200 = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non200") end
  io.write(string.format("NON200 %d\n", n))
end
LUA

# Formats wrk's latency (e.g. "12.34ms", "1.02s", "850.00us") as milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
        else printf "%s", v }'
}

start_server() {
    local url=$1 data=$2
    RURALSERVE_DATABASE_URL=$url RURALSERVE_DATA_DIR=$data RURALSERVE_LISTEN=$HOST RUST_LOG=warn \
        timeout 900 "$BIN" serve >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        if curl -s -o /dev/null --max-time 2 "$BASE/login"; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "the server did not start:" >&2
    cat "$WORK/server.log" >&2
    exit 1
}

# Logs in as the MOH officer; prints the session cookie's value.
log_in() {
    local jar=$WORK/cookies csrf code
    rm -f "$jar"
    csrf=$(curl -sf -c "$jar" -b "$jar" "$BASE/login" |
        sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
    [[ -n $csrf ]] || { echo "no csrf_token on /login" >&2; exit 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
        --data-urlencode "email=officer@moh.demo.ruralserve.org" \
        --data-urlencode "password=rural-service-demo" \
        --data-urlencode "csrf_token=$csrf" "$BASE/login")
    [[ $code == 303 ]] || { echo "log-in answered $code, not 303" >&2; exit 1; }
    curl -sf -o /dev/null -c "$jar" -b "$jar" "$BASE/"
    awk '$6 == "ruralserve" { print $7 }' "$jar" | tail -1
}

check_200() {
    local cookie=$1 path=$2 code
    code=$(curl -s -o "$WORK/page.html" -w '%{http_code}' --max-time 30 -H "Cookie: ruralserve=$cookie" "$BASE$path")
    if [[ $code != 200 ]]; then
        echo "GET $path answered $code, not 200" >&2
        exit 1
    fi
}

run_backend() {
    local backend=$1 url data
    data=$WORK/$backend
    mkdir -p "$data"
    case $backend in
        sqlite) url=sqlite://$data/ruralserve.db ;;
        postgres)
            psql "$PG_ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
            psql "$PG_ADMIN_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
            PG_CREATED=1
            url=$PG_ADMIN_URL/$PG_DB
            ;;
        *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac

    echo "== $backend: seeding $COUNT applications" >&2
    RURALSERVE_DATABASE_URL=$url timeout 900 "$SEED" --count "$COUNT" >&2

    start_server "$url" "$data"
    local cookie
    cookie=$(log_in)
    [[ -n $cookie ]] || { echo "no session cookie after log-in" >&2; exit 1; }

    # An application of the ministry's call: the first row of the list filtered on call 1.
    check_200 "$cookie" "/funder/applications?call=1"
    local app_id
    app_id=$(grep -o 'href="/applications/[0-9]*"' "$WORK/page.html" | head -1 | grep -o '[0-9]*')
    [[ -n $app_id ]] || { echo "no application found in the list" >&2; exit 1; }

    local -a names=(list-p1 list-p2000 county-search detail)
    local -a paths=(
        "/funder/applications?status=submitted&eligibility=eligible"
        "/funder/applications?status=submitted&eligibility=eligible&page=2000"
        "/funder/applications?county=Turkana&q=otieno"
        "/applications/$app_id"
    )
    # KEYSET=1: also page 2000 reached by keyset paging (?before=ID), for servers that support it.
    if [[ -n ${KEYSET:-} ]]; then
        check_200 "$cookie" "/funder/applications?status=submitted&eligibility=eligible&page=2000"
        local cursor
        cursor=$(grep -o 'href="/applications/[0-9]*"' "$WORK/page.html" | head -1 | grep -o '[0-9]*')
        names+=(keyset-p2000)
        paths+=("/funder/applications?status=submitted&eligibility=eligible&page=2000&before=$((cursor + 1))")
    fi
    {
        echo
        echo "### $backend ($COUNT applications, $CONNS connections, $THREADS wrk threads, $DURATION each)"
        echo
        echo "| page | URL | req/s | p50 ms | p99 ms | non-200 |"
        echo "|---|---|---:|---:|---:|---:|"
    } >>"$OUT"
    for i in "${!paths[@]}"; do
        local path=${paths[$i]} log=$WORK/wrk-$backend-${names[$i]}.txt
        check_200 "$cookie" "$path"
        echo "== $backend: ${names[$i]} $path" >&2
        timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency \
            -s "$WORK/count.lua" -H "Cookie: ruralserve=$cookie" "$BASE$path" >"$log" 2>&1 || true
        cat "$log" >&2
        local rps p50 p99 non200 errors
        rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
        p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$log")")
        p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$log")")
        non200=$(awk '/^NON200/ { print $2 }' "$log")
        errors=$(awk '/Socket errors/ { print " (socket errors:" $3 $4 $5 $6 $7 $8 $9 ")" }' "$log")
        echo "| ${names[$i]} | \`$path\` | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${non200:-?}$errors |" >>"$OUT"
    done
    # The session must still be the officer's after the load: a last check.
    check_200 "$cookie" "/funder/applications?status=submitted&eligibility=eligible"
    stop_server
    [[ $backend == postgres ]] && drop_pg
    return 0
}

mkdir -p "$(dirname "$OUT")"
{
    echo "## bench-pages $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores"
} >>"$OUT"
for backend in $BACKENDS; do
    run_backend "$backend"
done
echo "results appended to $OUT" >&2
cat "$OUT"
