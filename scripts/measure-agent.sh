#!/usr/bin/env bash
# measure-agent.sh — the agent's resident memory and start-up time, with the
# real binaries on this machine (loopback only, nothing downloaded):
#
#   1. builds `centre` and `posagent`;
#   2. writes a catalogue of ITEMS items (default 100,000): the 300 sample
#      items of testdata/catalogue.csv, then copies of the generated ones
#      under new codes and barcodes;
#   3. starts a centre, publishes that catalogue with testdata/rules.json,
#      enrols a terminal and starts `posagent run` against it;
#   4. once /v1/status shows the bundle active and the agent has idled for
#      IDLE seconds: VmRSS and VmHWM from /proc/PID/status, and the Go heap
#      from the agent's own /metrics;
#   5. start-up: RUNS times, stops the agent and starts it again with the
#      bundle already persisted, timing exec → first 200 on /v1/status;
#      reports every run, the median and the RSS after the restart.
#
# Usage: scripts/measure-agent.sh  (env: ITEMS, IDLE, RUNS, KEEP=1 keeps the
# work directory). Prints a summary; exits non-zero if a step fails.
set -euo pipefail

ITEMS=${ITEMS:-100000}
IDLE=${IDLE:-10}
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/posagent-measure.XXXXXX)
TOKEN=measure-api-token-0000001
CENTRE_PID= AGENT_PID=

cleanup() {
	[[ -n $AGENT_PID ]] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true
	[[ -n $CENTRE_PID ]] && kill "$CENTRE_PID" 2>/dev/null && wait "$CENTRE_PID" 2>/dev/null || true
	if [[ ${KEEP:-0} == 1 ]]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

say() { printf '%s\n' "$*" >&2; }
now_ns() { date +%s%N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status() { curl -fsS -H "Authorization: Bearer $TOKEN" "http://$AGENT_ADDR/v1/status"; }
kib() { awk '/^'"$1"':/ {print $2}' "/proc/$2/status"; }
# cpu_ms PID: user+system CPU time the process has used, in ms.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }

say "building centre and posagent"
(cd "$ROOT" && go build -o "$WORK/bin/" ./cmd/centre ./cmd/posagent)

say "writing a catalogue of $ITEMS items"
awk -F, -v OFS=, -v items="$ITEMS" '
	NR == 1 { print; next }
	{ rows[NR-1] = $0; print; n = NR-1 }
	END {
		for (i = n+1; i <= items; i++) {
			split(rows[41 + (i-41) % (n-40)], f, ",")
			f[1] = sprintf("G%06d", i); f[3] = sprintf("69%011d", i)
			line = f[1]; for (k = 2; k <= 15; k++) line = line "," f[k]
			print line
		}
	}' "$ROOT/testdata/catalogue.csv" > "$WORK/catalogue.csv"
say "  $(($(wc -l < "$WORK/catalogue.csv") - 1)) items, $(du -h "$WORK/catalogue.csv" | cut -f1)"

say "starting the centre"
C="$WORK/centre"
PUB=$("$WORK/bin/centre" keygen --data "$C" | tail -n1)
CENTRE_ADDR=127.0.0.1:$(free_port)
"$WORK/bin/centre" run --data "$C" --listen "$CENTRE_ADDR" >"$WORK/centre.log" 2>&1 &
CENTRE_PID=$!
for _ in $(seq 200); do curl -fsS "http://$CENTRE_ADDR/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
"$WORK/bin/centre" publish --data "$C" --catalogue "$WORK/catalogue.csv" --rules "$ROOT/testdata/rules.json" >/dev/null
TERM_TOKEN=$("$WORK/bin/centre" enrol --data "$C" --terminal T001 --pharmacy P001 | tail -n1)

AGENT_ADDR=127.0.0.1:$(free_port)
start_agent() {
	"$WORK/bin/posagent" run --data "$WORK/agent" --listen "$AGENT_ADDR" --api-token "$TOKEN" \
		--centre "ws://$CENTRE_ADDR" --terminal T001 --terminal-token "$TERM_TOKEN" \
		--centre-key "$PUB" --time-zone Asia/Shanghai 2>>"$WORK/agent.log" &
	AGENT_PID=$!
}
stop_agent() { kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true; AGENT_PID=; }

say "starting the agent; waiting for the big bundle"
T0=$(now_ns)
start_agent
until [[ $(status 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"]["version"])' 2>/dev/null) == 1 ]]; do
	kill -0 "$AGENT_PID" || { say "agent died"; cat "$WORK/agent.log" >&2; exit 1; }
	sleep 0.1
done
BUNDLE_MS=$((($(now_ns) - T0) / 1000000))
sleep "$IDLE"
RSS=$(kib VmRSS "$AGENT_PID"); HWM=$(kib VmHWM "$AGENT_PID")
HEAP=$(curl -fsS -H "Authorization: Bearer $TOKEN" "http://$AGENT_ADDR/metrics" | awk '$1 == "go_memstats_heap_inuse_bytes" {printf "%d", $2 / 1048576}')
stop_agent

say "start-up with the bundle persisted, $RUNS runs"
TIMES=() CPUS=()
for r in $(seq "$RUNS"); do
	T0=$(now_ns)
	start_agent
	until curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "http://$AGENT_ADDR/v1/status" 2>/dev/null; do
		kill -0 "$AGENT_PID" || { say "agent died"; exit 1; }
		sleep 0.002
	done
	TIMES+=($((($(now_ns) - T0) / 1000000)))
	CPUS+=("$(cpu_ms "$AGENT_PID")")
	if [[ $r == "$RUNS" ]]; then
		sleep "$IDLE"
		RSS2=$(kib VmRSS "$AGENT_PID")
		VERSION=$(status | python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"]["version"])')
	fi
	stop_agent
done
MEDIAN=$(printf '%s\n' "${TIMES[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

cat <<REPORT
catalogue items:                    $ITEMS ($(du -h "$WORK/catalogue.csv" | cut -f1) CSV)
first start → big bundle active:     ${BUNDLE_MS} ms (includes download, verify, activate)
idle RSS with the bundle active:     $((RSS / 1024)) MiB (VmRSS ${RSS} kB; peak VmHWM $((HWM / 1024)) MiB; Go heap in use ${HEAP} MiB)
start-up to first 200 on /v1/status: median ${MEDIAN} ms (runs: ${TIMES[*]} ms; bundle persisted, rules version ${VERSION})
  CPU used by then:                  ${CPUS[*]} ms (machine load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores)
idle RSS after a restart:            $((RSS2 / 1024)) MiB (VmRSS ${RSS2} kB)
REPORT
