#!/usr/bin/env bash
# Load and soak harness of entraide: see README.md in this folder.
#
#   tests/load/run.sh [--backend sqlite|postgres] [PHASE...]
#
# Phases, in this order (default: all of them): matches, post, soak. Each run creates a
# fresh database with `entraide dataset`, starts the release server on it, signs a staff
# member in, runs wrk, and writes everything under tests/load/results/<time>-<backend>/.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${ENTRAIDE_BIN:-$ROOT/target/release/entraide}
BACKEND=sqlite
PHASES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --backend) BACKEND=$2; shift 2 ;;
        --backend=*) BACKEND=${1#--backend=}; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        matches|post|soak) PHASES+=("$1"); shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ ${#PHASES[@]} -gt 0 ] || PHASES=(matches post soak)
case "$BACKEND" in sqlite|postgres) ;; *) echo "backend: sqlite or postgres" >&2; exit 2 ;; esac

# Settings (environment variables override them).
VOLUNTEERS=${LOAD_VOLUNTEERS:-10000}
REQUESTS=${LOAD_REQUESTS:-50000}
PORT=${LOAD_PORT:-18090}
WRK_THREADS=${LOAD_WRK_THREADS:-1}
MATCHES_CONNECTIONS=${LOAD_MATCHES_CONNECTIONS:-16}
MATCHES_DURATION=${LOAD_MATCHES_DURATION:-30s}
POST_CONNECTIONS=${LOAD_POST_CONNECTIONS:-8}
POST_DURATION=${LOAD_POST_DURATION:-30s}
SOAK_SECONDS=${LOAD_SOAK_SECONDS:-600}
SOAK_CONNECTIONS=${LOAD_SOAK_CONNECTIONS:-8}
SOAK_DELAY_MS=${LOAD_SOAK_DELAY_MS:-10}
SOAK_POST_PERCENT=${LOAD_SOAK_POST_PERCENT:-5}
SOAK_WARMUP_SECONDS=${LOAD_SOAK_WARMUP_SECONDS:-60}
RSS_INTERVAL=${LOAD_RSS_INTERVAL:-5}
# Wait for the machine to be quiet (1-minute load average) before each measurement.
QUIET_LOAD=${LOAD_QUIET_LOAD:-0.5}
QUIET_WAIT=${LOAD_QUIET_WAIT:-900}
PG_ADMIN_URL=${LOAD_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KEEP=${LOAD_KEEP:-0}

OUT=${LOAD_OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-$BACKEND}
mkdir -p "$OUT"
URL=http://127.0.0.1:$PORT
SERVER_PID=
SAMPLER_PID=
PG_DB=

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }

cleanup() {
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_DB" ] && [ "$KEEP" != 1 ]; then
        psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y $tool)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "no release binary at $BIN: cargo build --release --bin entraide" >&2; exit 1; }

machine() {
    {
        echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "nproc: $(nproc)"
        echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
        echo "memory: $(free -g | awk '/^Mem:/{print $2}') GiB"
        echo "rustc: $(rustc --version 2>/dev/null || echo unknown)"
        echo "wrk: $(wrk -v 2>&1 | head -1)"
        echo "binary: $BIN ($(stat -c %y "$BIN" | cut -d. -f1))"
        echo "backend: $BACKEND"
    } > "$OUT/machine.txt"
    cat "$OUT/machine.txt" >&2
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

wait_quiet() {
    local waited=0
    while awk -v max="$QUIET_LOAD" '{exit !($1 > max)}' /proc/loadavg; do
        if [ "$waited" -ge "$QUIET_WAIT" ]; then
            log "machine still busy (load $(loadavg)) after ${QUIET_WAIT}s: measuring anyway"
            return
        fi
        [ $((waited % 60)) -eq 0 ] && log "waiting for a quiet machine (load $(loadavg), want < $QUIET_LOAD)"
        sleep 10
        waited=$((waited + 10))
    done
}

create_database() {
    case "$BACKEND" in
        sqlite) DATABASE_URL="sqlite://$OUT/entraide.db" ;;
        postgres)
            PG_DB=entraide_load_$$
            psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
            DATABASE_URL="${PG_ADMIN_URL%/*}/$PG_DB"
            ;;
    esac
    export DATABASE_URL
    export ENTRAIDE_DATA_DIR="$OUT/data"
    export ENTRAIDE_PUBLIC_URL="$URL"
    export ENTRAIDE_PUBLIC_POST_PER_IP_PER_HOUR=${ENTRAIDE_PUBLIC_POST_PER_IP_PER_HOUR:-100000}
    export ENTRAIDE_LOG=${ENTRAIDE_LOG:-info}
}

make_dataset() {
    log "dataset: $VOLUNTEERS volunteers, $REQUESTS requests on $BACKEND"
    local started=$SECONDS
    "$BIN" dataset --volunteers "$VOLUNTEERS" --requests "$REQUESTS" --export "$OUT/export" \
        >"$OUT/dataset.txt" 2>"$OUT/dataset.log" || { tail -5 "$OUT/dataset.log" >&2; exit 1; }
    cat "$OUT/dataset.txt" >&2
    echo "dataset_seconds=$((SECONDS - started))" >> "$OUT/dataset.txt"
}

start_server() {
    log "starting $BIN serve on $URL"
    "$BIN" serve --bind "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    echo "$SERVER_PID" > "$OUT/server.pid"
    for _ in $(seq 1 300); do
        curl -fsS "$URL/readyz" >/dev/null 2>&1 && return
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$OUT/server.log" >&2; exit 1; }
        sleep 0.2
    done
    echo "server not ready" >&2
    exit 1
}

staff_session() {
    local link token
    link=$("$BIN" staff add charge.test@anap.fr --name "Chargé de test" 2>>"$OUT/dataset.log" | grep -o 'https\?://[^ ]*#token=[^ ]*')
    token=${link#*#token=}
    curl -fsS -X POST "$URL/api/v1/auth/session" -H 'content-type: application/json' \
        -d "{\"token\":\"$token\"}" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' > "$OUT/staff-token"
    export LOAD_TOKEN
    LOAD_TOKEN=$(cat "$OUT/staff-token")
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
machine_busy_idle() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }

# run_wrk LABEL SCRIPT CONNECTIONS DURATION [wrk options...]
run_wrk() {
    local label=$1 script=$2 connections=$3 duration=$4
    shift 4
    wait_quiet
    local load_before ticks_before busy_before idle_before started
    load_before=$(loadavg)
    ticks_before=$(cpu_ticks)
    read -r busy_before idle_before < <(machine_busy_idle)
    started=$(date +%s.%N)
    log "$label: wrk -t$WRK_THREADS -c$connections -d$duration $script (load $load_before)"
    LOAD_LABEL=$label wrk -t"$WRK_THREADS" -c"$connections" -d"$duration" --latency --timeout 10s \
        "$@" -s "$HERE/$script" "$URL" > "$OUT/$label.txt"
    local ended ticks_after busy_after idle_after
    ended=$(date +%s.%N)
    ticks_after=$(cpu_ticks)
    read -r busy_after idle_after < <(machine_busy_idle)
    grep -v '^LOAD_SUMMARY' "$OUT/$label.txt" >&2
    python3 - "$OUT/$label.txt" "$OUT/$label.json" <<EOF
import json, sys
line = next(l for l in open(sys.argv[1]) if l.startswith("LOAD_SUMMARY "))
summary = json.loads(line[len("LOAD_SUMMARY "):])
elapsed = $ended - $started
ticks = $(getconf CLK_TCK)
summary["server_cpu_cores"] = round(($ticks_after - $ticks_before) / ticks / elapsed, 2)
busy, idle = $busy_after - $busy_before, $idle_after - $idle_before
summary["machine_cpu_busy_percent"] = round(100 * busy / max(1, busy + idle), 1)
summary["loadavg_before"] = "$load_before"
summary["connections"] = $connections
json.dump(summary, open(sys.argv[2], "w"), indent=1)
print(json.dumps(summary), file=sys.stderr)
EOF
}

sql() {
    case "$BACKEND" in
        sqlite) sqlite3 -batch -noheader -separator ' ' "$OUT/entraide.db" "$1" ;;
        postgres) psql -qAtX -F ' ' "$DATABASE_URL" -c "$1" ;;
    esac
}

# Every request submitted since $1 must have exactly one acknowledgement in the outbox;
# $3 is the wrk summary whose 201 answers are the requests created.
check_mail() {
    local since=$1 label=$2 counted=$3
    local query="
      WITH submitted AS (
        SELECT 'Demande d''aide ' || reference || ' enregistrée' AS subject,
               contact_email AS recipient
        FROM help_requests WHERE created_at >= '$since'),
      acknowledged AS (
        SELECT subject, recipient, COUNT(*) AS copies FROM outbox
        WHERE kind = 'request_received' AND created_at >= '$since'
        GROUP BY subject, recipient)
      SELECT
        (SELECT COUNT(*) FROM submitted),
        (SELECT COUNT(*) FROM submitted s LEFT JOIN acknowledged a
           ON a.subject = s.subject AND a.recipient = s.recipient WHERE a.subject IS NULL),
        (SELECT COUNT(*) FROM acknowledged WHERE copies > 1),
        (SELECT COUNT(*) FROM outbox WHERE created_at >= '$since' AND status = 'sent'),
        (SELECT COUNT(*) FROM outbox WHERE created_at >= '$since' AND status <> 'sent')"
    local submitted missing duplicated sent unsent
    read -r submitted missing duplicated sent unsent < <(sql "$query")
    local created
    created=$(python3 -c "
import json, sys
print(json.load(open(sys.argv[1])).get('statuses', {}).get('201', 0))" "$counted")
    printf '{"label":"%s","requests_in_db":%s,"created_201":"%s","without_email":%s,"duplicated_email":%s,"outbox_sent":%s,"outbox_not_sent_yet":%s}\n' \
        "$label" "$submitted" "$created" "$missing" "$duplicated" "$sent" "$unsent" | tee "$OUT/mail-$label.json" >&2
}

# Resident memory, with the pool's open connections from /metrics (each SQLite connection
# keeps a page cache of its own), so that a step in memory can be read against the pool.
sample_rss() {
    echo "seconds rss_kib anon_kib file_kib pool_connections" > "$OUT/rss.tsv"
    local start pool
    start=$(date +%s)
    while kill -0 "$SERVER_PID" 2>/dev/null; do
        pool=$(curl -fsS "$URL/metrics" 2>/dev/null \
            | awk '/^entraide_state\{value="connections",what="db_pool"\}/{print $2}')
        echo "$(( $(date +%s) - start )) $(awk '/^VmRSS/{r=$2} /^RssAnon/{a=$2} /^RssFile/{f=$2} END{print r, a, f}' "/proc/$SERVER_PID/status") ${pool:-0}" >> "$OUT/rss.tsv"
        sleep "$RSS_INTERVAL"
    done
}

# Growth of resident memory after the warm-up: VmRSS (what ps shows), and its parts,
# RssAnon (the heap: what a leak grows) and RssFile (pages of the SQLite file mapped
# into memory, shared with the page cache, which grow with the database).
rss_report() {
    python3 - "$OUT/rss.tsv" "$SOAK_WARMUP_SECONDS" <<'PY' | tee "$OUT/rss.json" >&2
import json, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]).read().splitlines()[1:] if l.strip()]
warmup = int(sys.argv[2])
after = [r for r in rows if r[0] >= warmup] or rows
report = {"samples": len(rows), "warmup_s": warmup}
for i, name in ((1, "rss"), (2, "anon"), (3, "file")):
    base = after[0][i]
    report[name] = {
        "first_kib": rows[0][i], "after_warmup_kib": base,
        "max_after_warmup_kib": max(r[i] for r in after), "last_kib": rows[-1][i],
        "growth_after_warmup_percent": round(100 * (max(r[i] for r in after) - base) / max(base, 1), 1),
    }
if all(len(r) > 4 for r in rows):
    report["pool_connections"] = {"after_warmup": after[0][4], "max": max(r[4] for r in rows)}
print(json.dumps(report))
PY
}

machine
create_database
make_dataset
start_server
staff_session
export LOAD_DIR=$HERE
export LOAD_IDS=$OUT/export/request_ids.txt
export LOAD_FINESS_KNOWN=$OUT/export/finess_known.txt
export LOAD_FINESS_NEW=$OUT/export/finess_new.txt
export LOAD_RUN=$$

log "warm-up (index load, connections)"
LOAD_LABEL=warmup wrk -t1 -c4 -d5s -s "$HERE/matches.lua" "$URL" > "$OUT/warmup.txt"
grep -q '^LOAD_SUMMARY' "$OUT/warmup.txt" || { cat "$OUT/warmup.txt" >&2; echo "warm-up failed" >&2; exit 1; }

for phase in "${PHASES[@]}"; do
    case "$phase" in
        matches)
            run_wrk matches matches.lua "$MATCHES_CONNECTIONS" "$MATCHES_DURATION"
            ;;
        post)
            since=$(date -u '+%Y-%m-%d %H:%M:%S')
            run_wrk post post.lua "$POST_CONNECTIONS" "$POST_DURATION"
            check_mail "$since" post "$OUT/post.json"
            ;;
        soak)
            since=$(date -u '+%Y-%m-%d %H:%M:%S')
            sample_rss &
            SAMPLER_PID=$!
            LOAD_POST_PERCENT=$SOAK_POST_PERCENT LOAD_DELAY_MS=$SOAK_DELAY_MS \
                run_wrk soak soak.lua "$SOAK_CONNECTIONS" "${SOAK_SECONDS}s"
            kill "$SAMPLER_PID" 2>/dev/null || true
            SAMPLER_PID=
            rss_report
            # Give the delivery worker a moment, then check that nothing was lost.
            sleep 5
            check_mail "$since" soak "$OUT/soak.json"
            ;;
    esac
done

python3 - "$OUT" <<'EOF' | tee "$OUT/summary.md"
import json, os, sys
out = sys.argv[1]
print(f"## {os.path.basename(out)}\n")
print(open(os.path.join(out, "machine.txt")).read())
print("| run | connections | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | server CPU (cores) | machine busy % | load before |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for label in ("matches", "post", "soak"):
    path = os.path.join(out, label + ".json")
    if not os.path.exists(path):
        continue
    s = json.load(open(path))
    errors = s["connect_errors"] + s["read_errors"] + s["write_errors"] + s["timeouts"]
    print(f"| {label} | {s['connections']} | {s['rps']:.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} "
          f"| {s['max_ms']:.1f} | {s['non2xx']} | {errors} | {s['server_cpu_cores']} "
          f"| {s['machine_cpu_busy_percent']} | {s['loadavg_before']} |")
for name in ("mail-post.json", "mail-soak.json", "rss.json"):
    path = os.path.join(out, name)
    if os.path.exists(path):
        print(f"\n{name}: {open(path).read().strip()}")
EOF
log "results in $OUT"
