#!/usr/bin/env bash
# Load test of `papersum serve` on SQLite and on Postgres. See README.md.
#
#   scripts/loadtest/run.sh                 # everything, ~13 minutes
#   DBS=sqlite DURATION=10s scripts/loadtest/run.sh
#
# It builds the binary, starts two fake upstreams (0 ms and 200 ms), and for
# each database starts one fresh server per scenario (a new SQLite file, or
# a new Postgres schema that is dropped afterwards). Results go to
# $OUT/results.tsv (one line per measurement), $OUT/results.md (tables with
# the baseline ratios) and the raw tool output to $OUT/*.txt.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

DBS=${DBS:-"sqlite postgres"}
SCENARIOS=${SCENARIOS:-"cache local fake0 fake200 rss"}
DURATION=${DURATION:-20s}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
PORT=${PORT:-18080}
OUT=${OUT:-$(mktemp -d /tmp/papersum-loadtest.XXXXXX)}
PAPER=${PAPER:-$HERE/paper.txt}
# hey at a fixed rate: HEY_C workers, each at HEY_Q requests/s; and the
# same rate again with fewer workers (HEY_C2 x HEY_Q2), that is in smaller
# bursts.
HEY_C=${HEY_C:-20}
HEY_Q=${HEY_Q:-50}
HEY_C2=${HEY_C2:-5}
HEY_Q2=${HEY_Q2:-200}
# wrk connections: ?wait (one per default worker) and async submissions.
WAIT_C=${WAIT_C:-10}
ASYNC_C=${ASYNC_C:-20}
WRK_T=${WRK_T:-2}
# RSS scenario: jobs queued at once, and the --workers values tried.
RSS_JOBS=${RSS_JOBS:-1000}
RSS_WORKERS=${RSS_WORKERS:-"10 1000"}

BASE="http://127.0.0.1:$PORT"
BIN="$OUT/papersum"
RESULTS="$OUT/results.tsv"
mkdir -p "$OUT"
export ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY:-loadtest}

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

tools="go hey wrk curl awk"
[[ $DBS == *sqlite* ]] && tools="$tools sqlite3"
[[ $DBS == *postgres* ]] && tools="$tools psql"
for tool in $tools; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

# ---------------------------------------------------------------- machine

machine() {
	echo "- nproc: $(nproc)"
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "- memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "- kernel: $(uname -sr)"
	echo "- $(go version)"
	[[ $DBS == *postgres* ]] && echo "- $(psql "$PG_URL" -Atc 'select version()' | cut -d, -f1)"
	[[ $DBS == *sqlite* ]] && echo "- SQLite: modernc.org/sqlite $(cd "$ROOT" && go list -m -f '{{.Version}}' modernc.org/sqlite)"
	echo "- hey (no version flag), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
	echo "- papersum $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
	echo "- hey and wrk run on the same 2 cores as the server and take CPU from it."
}

# ---------------------------------------------------------------- processes

PIDS=()
SERVER_PID=
SCHEMA=
cleanup() {
	stop_server || true
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# start_fake LATENCY: starts a fake upstream and sets FAKE_URL.
start_fake() {
	local lat=$1 logf="$OUT/fake-$1.log"
	"$BIN" dev fake-upstream --addr 127.0.0.1:0 --latency "$lat" >"$logf" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do
		if grep -q 'listening on' "$logf"; then
			FAKE_URL=$(grep -o 'http://[0-9.:]*' "$logf" | head -1)
			return
		fi
		sleep 0.1
	done
	die "fake upstream did not start: $(cat "$logf")"
}

# write_config NAME URL: a configuration with every stage on the fake
# upstream at URL.
write_config() {
	cat >"$OUT/$1.yaml" <<-EOF
		providers:
		  anthropic: {base_url: "$2"}
		stages:
		  summarize: {provider: anthropic, model: claude-haiku-4-5}
		  critique:  {provider: anthropic, model: claude-haiku-4-5}
		  revise:    {provider: anthropic, model: claude-haiku-4-5}
	EOF
}

# start_server DB ENGINE [serve flags...]: a fresh store, a write key in
# $KEY, the server's PID in $SERVER_PID. ENGINE is local, fake0 or fake200.
SERVER_SEQ=0
start_server() {
	local db=$1 engine=$2
	shift 2
	SERVER_SEQ=$((SERVER_SEQ + 1))
	local store=()
	case $db in
	sqlite) store=(--db "$OUT/store-$SERVER_SEQ.db") ;;
	postgres)
		SCHEMA="loadtest_$(date +%s)_$SERVER_SEQ"
		store=(--database-url "$PG_URL" --database-schema "$SCHEMA")
		;;
	*) die "unknown database $db" ;;
	esac
	STORE=("${store[@]}")
	local cfg=()
	[ "$engine" = local ] || cfg=(--config "$OUT/$engine.yaml")
	KEY=$("$BIN" keys create --team loadtest --user loadtest --scope write "${store[@]}" 2>/dev/null | tail -1)
	[[ $KEY == psk_* ]] || die "keys create printed no key"
	SERVER_LOG="$OUT/serve-$SERVER_SEQ-$db-$engine.log"
	"$BIN" serve "${store[@]}" "${cfg[@]}" --addr "127.0.0.1:$PORT" --rate-limit-rpm 0 \
		--shutdown-timeout 5s "$@" 2>"$SERVER_LOG" &
	SERVER_PID=$!
	for _ in $(seq 100); do
		if curl -fs -o /dev/null "$BASE/readyz"; then
			log "server $SERVER_SEQ up: $db, $engine $* (pid $SERVER_PID)"
			return
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || die "server exited: $(tail -5 "$SERVER_LOG")"
		sleep 0.1
	done
	die "server did not become ready"
}

stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
	if [ -n "$SCHEMA" ]; then
		PGOPTIONS="-c client_min_messages=warning" psql "$PG_URL" -q -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null
		SCHEMA=
	fi
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }

# jobs: "SUBMITTED IN_FLIGHT", the summarize jobs in the store and those of
# them queued or running.
jobs() {
	local q="SELECT count(*), count(*) FILTER (WHERE state IN ('available', 'running', 'retryable', 'scheduled')) FROM river_job WHERE kind = 'summarize'"
	case $DB in
	sqlite) sqlite3 -readonly -separator ' ' "${STORE[1]}" "$q" ;;
	postgres) psql "$PG_URL" -At -F ' ' -c "SET search_path TO $SCHEMA" -c "$q" | tail -1 ;;
	esac
}

# ---------------------------------------------------------------- measuring

# record ID BASELINE_ID TOOL CMD RPS P50 P95 P99 NOTE: one results.tsv line.
# Latencies are in ms. BASELINE_ID names the line this one is compared to.
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" >>"$RESULTS"
}

# run_hey ID BASELINE_ID TITLE hey-args...
run_hey() {
	local id=$1 base=$2 title=$3
	shift 3
	local raw="$OUT/$DB-$id.txt"
	log "$DB $id: hey $(redact "$*")"
	hey "$@" >"$raw"
	local rps p50 p95 p99 codes
	rps=$(awk '/Requests\/sec/ {print $2}' "$raw")
	p50=$(awk '/ 50% in/ {printf "%.2f", $3*1000}' "$raw")
	p95=$(awk '/ 95% in/ {printf "%.2f", $3*1000}' "$raw")
	p99=$(awk '/ 99% in/ {printf "%.2f", $3*1000}' "$raw")
	codes=$(awk '/Status code distribution/ {on=1; next} on && /\[/ {gsub(/[][]/, ""); printf "%s%s×%s", sep, $1, $2; sep=" "} on && /^$/ {on=0}' "$raw")
	grep -q '^Error distribution' "$raw" && codes="$codes, errors: $(grep -c '\[' <(sed -n '/Error distribution/,$p' "$raw"))"
	record "$id" "$base" "$title" "hey $(redact "$*")" "$rps" "$p50" "$p95" "$p99" "$codes"
}

# run_wrk ID BASELINE_ID TITLE wrk-args...
run_wrk() {
	local id=$1 base=$2 title=$3
	shift 3
	local raw="$OUT/$DB-$id.txt"
	log "$DB $id: wrk $(redact "$*")"
	PAPERSUM_KEY=$KEY LOADTEST_NONCE="$DB-$id-$(date +%s%N)" wrk "$@" >"$raw"
	local line
	line=$(grep '^WRK_RESULT' "$raw") || die "no WRK_RESULT in $raw"
	field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
	record "$id" "$base" "$title" "PAPERSUM_KEY=\$KEY wrk $(redact "$*")" "$(field rps)" "$(field p50_ms)" "$(field p95_ms)" \
		"$(field p99_ms)" "$(field requests) requests, non-2xx: $(field non2xx), socket errors: $(field sockerr)"
}

# redact: a command as it is shown, without the key and with short paths.
redact() { sed -e "s/$KEY/\$KEY/g" -e "s#$HERE/#scripts/loadtest/#g" -e "s#$OUT/#\$OUT/#g" <<<"$1"; }

# json_body: {"text": <the paper>} (a text file: tabs and newlines are
# the only control characters it may hold).
json_body() {
	awk 'BEGIN { ORS = ""; print "{\"text\":\"" }
		{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r"); print $0 "\\n" }
		END { print "\"}\n" }' "$PAPER"
}

# scenario_cache: cache hits (local engine). A server of its own: its
# ~100,000 run rows would otherwise weigh on the scenarios after it.
scenario_cache() {
	start_server "$DB" local
	local auth="Authorization: Bearer $KEY" body="$OUT/paper.json"
	json_body >"$body"
	# Warm-up: the first request runs the paper; the rest are cache hits.
	curl -fsS -o /dev/null -H "$auth" -H 'Content-Type: application/json' --data-binary @"$body" "$BASE/api/v1/summaries?wait=30s"
	local hey_post=(-m POST -H "$auth" -T application/json -D "$body" "$BASE/api/v1/summaries")
	run_hey health-hey-rate - "GET /api/v1/health, fixed rate (baseline)" -c "$HEY_C" -q "$HEY_Q" -z "$DURATION" "$BASE/api/v1/health"
	run_hey cache-rate health-hey-rate "cache hits, fixed rate" -c "$HEY_C" -q "$HEY_Q" -z "$DURATION" "${hey_post[@]}"
	# The same 1000 req/s in smaller bursts: hey's workers tick together,
	# so -c 20 -q 50 sends 20 requests at once every 20 ms.
	run_hey health-hey-rate5 - "GET /api/v1/health, fixed rate, -c $HEY_C2 (baseline)" -c "$HEY_C2" -q "$HEY_Q2" -z "$DURATION" "$BASE/api/v1/health"
	run_hey cache-rate5 health-hey-rate5 "cache hits, fixed rate, -c $HEY_C2" -c "$HEY_C2" -q "$HEY_Q2" -z "$DURATION" "${hey_post[@]}"
	run_hey health-hey-max - "GET /api/v1/health, max rate (baseline)" -c "$HEY_C" -z "$DURATION" "$BASE/api/v1/health"
	run_hey cache-max health-hey-max "cache hits, max rate" -c "$HEY_C" -z "$DURATION" "${hey_post[@]}"
	stop_server
}

# scenario_local: ?wait and async summaries on the built-in local engine.
scenario_local() {
	start_server "$DB" local
	run_wrk health-wrk-wait - "GET /api/v1/health, wrk -c $WAIT_C (baseline)" -t "$WRK_T" -c "$WAIT_C" -d "$DURATION" -s "$HERE/report.lua" "$BASE/api/v1/health"
	run_wrk local-wait health-wrk-wait "?wait=30s, local engine" -t "$WRK_T" -c "$WAIT_C" -d "$DURATION" --timeout 60s -s "$HERE/submit.lua" "$BASE/api/v1/summaries?wait=30s" -- "$PAPER"
	run_wrk health-wrk-async - "GET /api/v1/health, wrk -c $ASYNC_C (baseline)" -t "$WRK_T" -c "$ASYNC_C" -d "$DURATION" -s "$HERE/report.lua" "$BASE/api/v1/health"
	run_wrk local-async health-wrk-async "async 202, local engine" -t "$WRK_T" -c "$ASYNC_C" -d "$DURATION" --timeout 60s -s "$HERE/submit.lua" "$BASE/api/v1/summaries" -- "$PAPER"
	stop_server
}

# scenario_fake ENGINE: ?wait and async with the stages on a fake upstream.
scenario_fake() {
	local engine=$1
	start_server "$DB" "$engine"
	run_wrk "$engine-health-wrk-wait" - "GET /api/v1/health, wrk -c $WAIT_C (baseline)" -t "$WRK_T" -c "$WAIT_C" -d "$DURATION" -s "$HERE/report.lua" "$BASE/api/v1/health"
	run_wrk "$engine-wait" "$engine-health-wrk-wait" "?wait=30s, $engine" -t "$WRK_T" -c "$WAIT_C" -d "$DURATION" --timeout 60s -s "$HERE/submit.lua" "$BASE/api/v1/summaries?wait=30s" -- "$PAPER"
	run_wrk "$engine-health-wrk-async" - "GET /api/v1/health, wrk -c $ASYNC_C (baseline)" -t "$WRK_T" -c "$ASYNC_C" -d "$DURATION" -s "$HERE/report.lua" "$BASE/api/v1/health"
	run_wrk "$engine-async" "$engine-health-wrk-async" "async 202, $engine" -t "$WRK_T" -c "$ASYNC_C" -d "$DURATION" --timeout 60s -s "$HERE/submit.lua" "$BASE/api/v1/summaries" -- "$PAPER"
	stop_server
}

# scenario_rss WORKERS: idle RSS, then RSS while RSS_JOBS async jobs are
# queued or running on the 200 ms upstream. wrk submits them (each thread
# stops after its share) while the store and /proc are sampled every
# 0.2 s; the sample with the most jobs in flight is kept.
scenario_rss() {
	local workers=$1
	start_server "$DB" fake200 --workers "$workers"
	sleep 2
	local idle
	idle=$(rss_kb)
	log "$DB rss: queueing $RSS_JOBS jobs (--workers $workers), idle RSS $idle kB"
	local t0=$SECONDS start
	start=$(date +%s.%N)
	PAPERSUM_KEY=$KEY LOADTEST_MAX=$(((RSS_JOBS + WRK_T - 1) / WRK_T)) LOADTEST_NONCE="$DB-rss-$(date +%s%N)" \
		wrk -t "$WRK_T" -c "$ASYNC_C" -d 120s --timeout 60s -s "$HERE/submit.lua" "$BASE/api/v1/summaries" -- "$PAPER" \
		>"$OUT/$DB-rss-$workers.txt" &
	local wrk_pid=$! best_n=0 best_rss=0 submitted=0 secs=0 done_at=
	while :; do
		local r s n
		r=$(rss_kb)
		read -r s n < <(jobs)
		if ((n > best_n)); then best_n=$n best_rss=$r; fi
		if [ -z "$done_at" ] && ((s >= RSS_JOBS)); then
			done_at=$SECONDS submitted=$s secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
		fi
		# Sample 3 s past the last submission, or give up after 120 s.
		if { [ -n "$done_at" ] && ((SECONDS - done_at >= 3)); } || ((SECONDS - t0 > 120)); then break; fi
		sleep 0.2
	done
	kill "$wrk_pid" 2>/dev/null || true
	wait "$wrk_pid" 2>/dev/null || true
	local hwm
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
	log "$DB rss: ${best_rss} kB at $best_n in flight; peak ${hwm} kB"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DB" "$workers" "$idle" "$submitted" "$secs" "$best_n" "$best_rss" "$hwm" >>"$OUT/rss.tsv"
	stop_server
}

# ---------------------------------------------------------------- report

# render: results.tsv and rss.tsv as Markdown, with ratios to the baselines.
render() {
	echo "### Machine"
	echo
	machine
	echo
	echo "Every scenario starts a fresh server (a new SQLite file, or a new Postgres"
	echo "schema that is dropped afterwards), with \`--rate-limit-rpm 0 --shutdown-timeout 5s\`."
	echo "Paper: \`$(basename "$PAPER")\`, $(wc -w <"$PAPER") words; wrk bodies append a unique sentence per request."
	echo
	for db in $DBS; do
		grep -q "^$db	" "$RESULTS" || continue
		echo "### $db: HTTP paths"
		echo
		echo "| scenario | command | req/s | p50 ms | p95 ms | p99 ms | responses | baseline (same server, same settings) | req/s ratio | p99 ratio |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		awk -F'\t' -v db="$db" '
			$1 == db { rps[$2] = $6; p99[$2] = $9; title[$2] = $4; line[++n] = $0 }
			END {
				for (i = 1; i <= n; i++) {
					split(line[i], f, "\t")
					b = f[3]
					if (b == "-") continue
					printf "| %s | `%s` | %.0f | %s | %s | %s | %s | %s: %.0f req/s, p99 %s ms | %.3f× | %.1f× |\n",
						f[4], f[5], f[6], f[7], f[8], f[9], f[10], title[b], rps[b], p99[b], f[6] / rps[b], f[9] / p99[b]
				}
			}' "$RESULTS"
		echo
	done
	if [ -s "$OUT/rss.tsv" ]; then
		echo "### RSS with $RSS_JOBS jobs in flight (fake upstream at 200 ms)"
		echo
		echo "| database | --workers | idle RSS after start-up (baseline) | jobs submitted | jobs queued or running at the sample | RSS at the sample | ratio to idle | peak RSS (VmHWM) |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
		awk -F'\t' '{ printf "| %s | %s | %.1f MiB | %s in %s s | %s | %.1f MiB | %.2f× | %.1f MiB |\n", $1, $2, $3/1024, $4, $5, $6, $7/1024, $7/$3, $8/1024 }' "$OUT/rss.tsv"
		echo
	fi
}

# ---------------------------------------------------------------- main

log "building into $BIN"
(cd "$ROOT" && go build -o "$BIN" ./cmd/papersum)
: >"$RESULTS"
: >"$OUT/rss.tsv"
start_fake 0s
write_config fake0 "$FAKE_URL"
start_fake 200ms
write_config fake200 "$FAKE_URL"

for DB in $DBS; do
	for sc in $SCENARIOS; do
		case $sc in
		cache) scenario_cache ;;
		local) scenario_local ;;
		fake0 | fake200) scenario_fake "$sc" ;;
		rss) for w in $RSS_WORKERS; do scenario_rss "$w"; done ;;
		*) die "unknown scenario $sc" ;;
		esac
	done
done

render | tee "$OUT/results.md"
log "results: $OUT/results.md (raw output in $OUT)"
