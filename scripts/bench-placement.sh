#!/usr/bin/env bash
# Load test of a national placement run (issue 11, point 12 b).
#
# For each backend (SQLite file in a temporary data directory; PostgreSQL database rs_bench_placement,
# created fresh and dropped at the end) it seeds COUNT scholars, FACILITIES eligible facilities with
# vacancies and CHOICES choices each with examples/seed_placement, starts the release server on
# 127.0.0.1:18182, logs in as the ministry's placement coordinator, waits for the jobs the server queues at its
# first start (a report-holds check per active award) to be done, and:
#
#  1. starts wrk on a list page (LIST_PATH, default the cycle's runs list) for RUN_WINDOW;
#  2. two seconds in, presses "run" (POSTs the create-run form: deferred acceptance, applicants
#     proposing) and polls the database every 0.1 s until the run is `done` (or `failed`); it reports
#     the time from the POST to the stored report, and the server's own created_at → finished_at;
#  3. reports the list page's p50/p99 during that window, then presses "run" once more on the idle server;
#  4. runs wrk with CONNS connections for DURATION on the run's page and on a scholar's choices page
#     (logged in as the first seeded scholar).
#
# Builds nothing: run `cargo build --release --bins --examples` first.
#
#   scripts/bench-placement.sh                     # both backends
#   BACKENDS=sqlite scripts/bench-placement.sh     # one
#
# Environment: COUNT (100000), FACILITIES (10000), CHOICES (20), CONNS (32), THREADS (2), DURATION (15s),
# RUN_WINDOW (30s), LIST_PATH, RUN_TIMEOUT (120, seconds), JOBS_TIMEOUT (600, seconds), PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432),
# OUT (results file, default target/bench-placement.md), KEEP_DB=1 to keep the seeded database.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/ruralserve}
SEED=${SEED:-target/release/examples/seed_placement}
COUNT=${COUNT:-100000}
FACILITIES=${FACILITIES:-10000}
CHOICES=${CHOICES:-20}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-15s}
RUN_WINDOW=${RUN_WINDOW:-30s}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
JOBS_TIMEOUT=${JOBS_TIMEOUT:-600}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=rs_bench_placement
HOST=127.0.0.1:18182
BASE=http://$HOST
OUT=${OUT:-target/bench-placement.md}
COORDINATOR=placement@moh.demo.ruralserve.org
PASSWORD=rural-service-demo

for tool in "$BIN" "$SEED"; do
    [[ -x $tool ]] || { echo "missing $tool: run cargo build --release --bins --examples" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/bench-placement.XXXXXX)
SERVER_PID=
WRK_PID=
PG_CREATED=

stop_server() {
    if [[ -n $WRK_PID ]] && kill -0 "$WRK_PID" 2>/dev/null; then
        kill "$WRK_PID" 2>/dev/null || true
        wait "$WRK_PID" 2>/dev/null || true
    fi
    WRK_PID=
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

drop_pg() {
    if [[ -n $PG_CREATED && -z ${KEEP_DB:-} ]]; then
        psql "$PG_ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null || true
    fi
    PG_CREATED=
}

cleanup() {
    stop_server
    drop_pg
    if [[ -n ${KEEP_DB:-} ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
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

# Runs one SQL statement on the backend's database; prints the rows, fields separated by '|'.
sql() {
    case $BACKEND in
        sqlite) sqlite3 -cmd ".timeout 5000" "$DATA/ruralserve.db" "$1" ;;
        postgres) psql "$DB_URL" -qAtc "$1" ;;
    esac
}

start_server() {
    RURALSERVE_DATABASE_URL=$DB_URL RURALSERVE_DATA_DIR=$DATA RURALSERVE_LISTEN=$HOST RUST_LOG=warn \
        timeout 1800 "$BIN" serve >"$WORK/server-$BACKEND.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 150); do
        if curl -s -o /dev/null --max-time 2 "$BASE/login"; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "the server did not start:" >&2
    cat "$WORK/server-$BACKEND.log" >&2
    exit 1
}

# Logs in as $1 into the cookie jar $2; prints the session cookie's value.
log_in() {
    local email=$1 jar=$2 csrf code
    rm -f "$jar"
    csrf=$(curl -sf -c "$jar" -b "$jar" "$BASE/login" |
        sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
    [[ -n $csrf ]] || { echo "no csrf_token on /login" >&2; exit 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
        --data-urlencode "email=$email" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf_token=$csrf" "$BASE/login")
    [[ $code == 303 ]] || { echo "log-in of $email answered $code, not 303" >&2; exit 1; }
    curl -sf -o /dev/null -c "$jar" -b "$jar" "$BASE/"
    awk '$6 == "ruralserve" { print $7 }' "$jar" | tail -1
}

check_200() {
    local cookie=$1 path=$2 code
    code=$(curl -s -o "$WORK/page.html" -w '%{http_code}' --max-time 60 -H "Cookie: ruralserve=$cookie" "$BASE$path")
    if [[ $code != 200 ]]; then
        echo "GET $path answered $code, not 200" >&2
        exit 1
    fi
}

# One wrk run; appends a row to the results table. Arguments: name, path, cookie, duration, log.
wrk_row() {
    local name=$1 path=$2 cookie=$3 duration=$4 log=$5
    timeout 300 wrk -t"$THREADS" -c"$CONNS" -d"$duration" --timeout 10s --latency \
        -s "$WORK/count.lua" -H "Cookie: ruralserve=$cookie" "$BASE$path" >"$log" 2>&1 || true
}

wrk_summary() {
    local name=$1 path=$2 log=$3 rps p50 p99 non200 errors
    cat "$log" >&2
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$log")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$log")")
    non200=$(awk '/^NON200/ { print $2 }' "$log")
    errors=$(awk '/Socket errors/ { print " (socket errors:" $3 $4 $5 $6 $7 $8 $9 ")" }' "$log")
    echo "| $name | \`$path\` | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${non200:-?}$errors |" >>"$OUT"
}

# Presses "run" (deferred acceptance, applicants proposing) and polls the database every 0.1 s until the run is
# done or failed. Sets RUN, RUN_STATUS, RUN_MS (POST to stored report), POST_MS and RUN_FACTS.
press_run() {
    local cycle=$1 csrf=$2 t0 location deadline
    t0=$(date +%s%N)
    location=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 120 \
        -b "$WORK/coordinator.jar" -c "$WORK/coordinator.jar" \
        --data-urlencode "csrf_token=$csrf" --data-urlencode "algorithm=deferred-acceptance" \
        --data-urlencode "seed=" "$BASE/placement/cycles/$cycle/runs")
    POST_MS=$((($(date +%s%N) - t0) / 1000000))
    RUN=$(grep -o '/placement/runs/[0-9]*' <<<"$location" | grep -o '[0-9]*$' || true)
    [[ ${location%% *} == 303 && -n $RUN ]] || { echo "the run button answered: $location" >&2; exit 1; }
    deadline=$((SECONDS + RUN_TIMEOUT))
    RUN_STATUS=
    while ((SECONDS < deadline)); do
        RUN_STATUS=$(sql "SELECT status FROM match_runs WHERE id = $RUN" || true)
        [[ $RUN_STATUS == done || $RUN_STATUS == failed ]] && break
        sleep 0.1
    done
    RUN_MS=$((($(date +%s%N) - t0) / 1000000))
    RUN_FACTS=$(sql "SELECT r.created_at, r.finished_at, length(f.input), length(f.report) FROM match_runs r JOIN match_run_files f ON f.run_id = r.id WHERE r.id = $RUN")
    echo "== $BACKEND: run $RUN $RUN_STATUS after ${RUN_MS} ms (POST answered in ${POST_MS} ms); $RUN_FACTS" >&2
}

# Waits (at most two minutes) until the server answers the log-in page within a second: requests wrk gave up
# on may still be queued in the server.
wait_idle() {
    for _ in $(seq 60); do
        if curl -s -o /dev/null --max-time 1 "$BASE/login"; then return 0; fi
        sleep 2
    done
}

# The server's first start queues a report-holds check for every active award (100,000 jobs); a run queued
# behind them waits minutes. Waits (at most JOBS_TIMEOUT seconds) until no job is due but the nightly sweep;
# prints the seconds waited.
wait_jobs() {
    local t0=$SECONDS due limit
    # The runner's first round (5 s after the start) queues them: let it come first.
    sleep 7
    while ((SECONDS - t0 < JOBS_TIMEOUT)); do
        limit=$(date -u -d '+1 minute' '+%F %T')
        due=$(sql "SELECT count(*) FROM jobs WHERE kind <> 'report_holds_sweep' AND due_at < '$limit'" || echo '?')
        [[ $due == 0 ]] && break
        sleep 2
    done
    echo $((SECONDS - t0))
}

run_backend() {
    BACKEND=$1
    DATA=$WORK/$BACKEND
    mkdir -p "$DATA"
    case $BACKEND in
        sqlite) DB_URL=sqlite://$DATA/ruralserve.db ;;
        postgres)
            psql "$PG_ADMIN_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
            psql "$PG_ADMIN_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
            PG_CREATED=1
            DB_URL=$PG_ADMIN_URL/$PG_DB
            ;;
        *) echo "unknown backend $BACKEND" >&2; exit 2 ;;
    esac

    echo "== $BACKEND: seeding $COUNT scholars, $FACILITIES facilities, $CHOICES choices each" >&2
    local seeded cycle
    seeded=$(RURALSERVE_DATABASE_URL=$DB_URL timeout 1800 "$SEED" --count "$COUNT" --facilities "$FACILITIES" \
        --choices "$CHOICES")
    echo "$seeded" >&2
    cycle=$(sed -n 's/^seeded cycle \([0-9]*\).*/\1/p' <<<"$seeded")
    [[ -n $cycle ]] || { echo "the seeder did not name its cycle" >&2; exit 1; }

    start_server
    local cookie
    cookie=$(log_in "$COORDINATOR" "$WORK/coordinator.jar")
    [[ -n $cookie ]] || { echo "no session cookie after log-in" >&2; exit 1; }
    local list_path=${LIST_PATH:-/placement/cycles/$cycle/runs}
    check_200 "$cookie" "/placement/cycles/$cycle/runs"
    local csrf
    csrf=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$WORK/page.html" | head -1)
    [[ -n $csrf ]] || { echo "no csrf_token on the runs page" >&2; exit 1; }
    check_200 "$cookie" "$list_path"
    local drained
    drained=$(wait_jobs)
    echo "== $BACKEND: the start-up jobs took ${drained} s" >&2

    {
        echo
        echo "### $BACKEND ($COUNT scholars, $FACILITIES facilities, $CHOICES choices; $CONNS connections, $THREADS wrk threads)"
        echo
        echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); the jobs queued at the server's start took ${drained} s"
        echo
    } >>"$OUT"

    # 1-3: the run while wrk loads the list page.
    echo "== $BACKEND: run, with wrk on $list_path for $RUN_WINDOW" >&2
    local list_log=$WORK/wrk-$BACKEND-list-during-run.txt
    wrk_row list-during-run "$list_path" "$cookie" "$RUN_WINDOW" "$list_log" &
    WRK_PID=$!
    sleep 2
    press_run "$cycle" "$csrf"
    local run=$RUN
    wait "$WRK_PID" || true
    WRK_PID=
    {
        echo "run $run, with wrk on the list page: status **$RUN_STATUS**; POST → stored report **${RUN_MS} ms** (the"
        echo "POST itself answered in ${POST_MS} ms); created_at | finished_at | input bytes | report bytes:"
        echo "\`$RUN_FACTS\`"
        echo
    } >>"$OUT"
    # The same button again on an idle server: what the run costs without the load.
    wait_idle "$cookie"
    press_run "$cycle" "$csrf"
    {
        echo "run $RUN, idle server: status **$RUN_STATUS**; POST → stored report **${RUN_MS} ms** (POST ${POST_MS} ms);"
        echo "\`$RUN_FACTS\`"
        echo
        echo "| page | URL | req/s | p50 ms | p99 ms | non-200 |"
        echo "|---|---|---:|---:|---:|---:|"
    } >>"$OUT"
    wrk_summary "list during the run ($RUN_WINDOW)" "$list_path" "$list_log"

    # 4: a scholar's choices page and the run's page.
    local scholar scholar_cookie
    wait_idle
    scholar=$(sql "SELECT u.email FROM users u JOIN applications a ON a.applicant_id = u.id JOIN awards w ON w.application_id = a.id JOIN cycle_scholars s ON s.award_id = w.id WHERE s.cycle_id = $cycle ORDER BY s.id LIMIT 1")
    scholar_cookie=$(log_in "$scholar" "$WORK/scholar.jar")
    # The choices page first: requests wrk gave up on at the run's page may keep the server busy afterwards.
    local -a names=(choices-page run-page)
    local -a paths=("/my/placement/$cycle/choices" "/placement/runs/$run")
    local -a cookies=("$scholar_cookie" "$cookie")
    for i in "${!paths[@]}"; do
        local log=$WORK/wrk-$BACKEND-${names[$i]}.txt
        wait_idle
        check_200 "${cookies[$i]}" "${paths[$i]}"
        echo "== $BACKEND: ${names[$i]} ${paths[$i]}" >&2
        wrk_row "${names[$i]}" "${paths[$i]}" "${cookies[$i]}" "$DURATION" "$log"
        wrk_summary "${names[$i]} ($DURATION)" "${paths[$i]}" "$log"
    done
    stop_server
    [[ $BACKEND == postgres ]] && drop_pg
    return 0
}

mkdir -p "$(dirname "$OUT")"
echo "## bench-placement $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores" >>"$OUT"
for backend in $BACKENDS; do
    run_backend "$backend"
done
echo "results appended to $OUT" >&2
cat "$OUT"
