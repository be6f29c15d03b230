#!/usr/bin/env bash
# The scopegate command line against a real slapd: --version, --help, --check-config with
# good and bad files, serving, SIGHUP leaving the process running, and SIGTERM draining an
# in-flight request before exit 0.
#   cli_test.sh SCOPEGATE_BINARY SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
work=$(mktemp -d /tmp/scopegate-cli-XXXXXX)
slapd_pid=""
gw_pid=""
cleanup() {
  [ -n "$gw_pid" ] && kill -9 "$gw_pid" 2>/dev/null
  [ -n "$slapd_pid" ] && { kill -CONT "$slapd_pid" 2>/dev/null; kill "$slapd_pid" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}

check "--version prints the version" bash -c "'$bin' --version | grep -q '^scopegate [0-9]'"
check "--help exits 0 with usage" bash -c "'$bin' --help | grep -q -- '--check-config'"
check "no arguments: usage on stderr, exit 2" bash -c "'$bin' 2>&1 >/dev/null | grep -q usage; test \${PIPESTATUS[0]} -eq 2"

"$src/scripts/gen-directory" --demo > "$work/demo.ldif"
uri=$("$src/scripts/slapd-start" "$work/slapd" "$work/demo.ldif") || { echo "FAIL slapd"; exit 1; }
slapd_pid=$(cat "$work/slapd/slapd.pid")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cat > "$work/good.yaml" <<YAML
listen:
  port: $port
ldap:
  uris: ["$uri"]
  bind_dn: cn=admin,dc=example,dc=com
  bind_password: \${CLI_TEST_PASSWORD}
  timeout_ms: 3000
agents:
  base_dn: ou=people,dc=example,dc=com
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=example,dc=com
customers:
  base_dn: ou=customers,dc=example,dc=com
scope:
  cache_ttl_seconds: 0
YAML
export CLI_TEST_PASSWORD=secret
check "--check-config accepts a good file" bash -c "'$bin' --check-config '$work/good.yaml' | grep -q 'configuration OK'"
check "--check-config hides the bind password" bash -c "! '$bin' --check-config '$work/good.yaml' | grep -q secret"

sed 's/  timeout_ms: 3000/  timeout_ms: lots/' "$work/good.yaml" > "$work/bad.yaml"
out=$("$bin" --check-config "$work/bad.yaml" 2>&1); rc=$?
check "--check-config rejects a wrong type with non-zero exit" test "$rc" -ne 0
check "the error names the key path and the line" bash -c "grep -q 'bad.yaml:7: ldap.timeout_ms' <<<'$out'"
printf 'listen:\n  prot: 1\n' > "$work/unknown.yaml"
out=$("$bin" --check-config "$work/unknown.yaml" 2>&1); rc=$?
check "--check-config rejects an unknown key" bash -c "test $rc -ne 0 && grep -q 'listen.prot' <<<'$out'"
out=$(env -u CLI_TEST_PASSWORD "$bin" --check-config "$work/good.yaml" 2>&1); rc=$?
check "an unset \${VAR} is an error naming it" bash -c "test $rc -ne 0 && grep -q CLI_TEST_PASSWORD <<<'$out'"

"$bin" --config "$work/good.yaml" > "$work/gateway.log" 2>&1 &
gw_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
check "serves /readyz" curl -fs "http://127.0.0.1:$port/readyz" -o /dev/null
check "an agent gets customers" bash -c "curl -fs -u agent01:agent01-pw 'http://127.0.0.1:$port/api/v1/customers?limit=2' | grep -q '\"items\"'"
check "the access log has no password" bash -c "! grep -q 'agent01-pw' '$work/gateway.log'"
check "the access log names agent, decision and latency" bash -c "grep -q 'agent=agent01 .*decision=allow .*us=' '$work/gateway.log'"

# SIGHUP (sent by operators and log rotators) is logged and never ends the process.
kill -HUP "$gw_pid"
for _ in $(seq 1 50); do
  grep -q 'SIGHUP: reloading' "$work/gateway.log" && break
  sleep 0.1
done
check "SIGHUP is logged" grep -q 'SIGHUP: reloading' "$work/gateway.log"
check "after SIGHUP the process still runs" kill -0 "$gw_pid"
check "after SIGHUP /healthz still answers" curl -fs "http://127.0.0.1:$port/healthz" -o /dev/null

# Drain: a request waiting on a frozen slapd still gets its answer after SIGTERM.
kill -STOP "$slapd_pid"
curl -s -o "$work/inflight.body" -w '%{http_code}' -u agent01:agent01-pw \
  "http://127.0.0.1:$port/api/v1/customers?limit=2" > "$work/inflight.status" &
curl_pid=$!
sleep 0.5
kill -TERM "$gw_pid"
wait "$curl_pid"
wait "$gw_pid"; gw_rc=$?
gw_pid=""
kill -CONT "$slapd_pid"
check "the in-flight request got a complete answer" grep -qE '^(200|503)$' "$work/inflight.status"
check "SIGTERM exits 0" test "$gw_rc" -eq 0
check "the log shows the drain" grep -q 'draining 1 connection' "$work/gateway.log"

# Start-up problems are told in the log: a refused service bind (and /readyz stays 503),
# and settings that open data up.
start_gateway() {  # config file, log file; sets gw_pid and waits for /healthz
  "$bin" --config "$1" > "$2" 2>&1 &
  gw_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
}
stop_gateway() { kill -TERM "$gw_pid"; wait "$gw_pid"; gw_pid=""; }

sed 's/^  bind_password: .*/  bind_password: not-the-password/' "$work/good.yaml" > "$work/wrong-pw.yaml"
start_gateway "$work/wrong-pw.yaml" "$work/wrong-pw.log"
for _ in $(seq 1 50); do grep -q 'invalid credentials' "$work/wrong-pw.log" && break; sleep 0.1; done
check "a wrong bind password is logged as an error naming the bind DN" \
  grep -qE ' error LDAP service bind as cn=admin,dc=example,dc=com refused: invalid credentials' "$work/wrong-pw.log"
check "... once, not at every retry" test "$(grep -c 'invalid credentials' "$work/wrong-pw.log")" -eq 1
check "... and the gateway is not ready" \
  test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 503
check "... and the password is not in the log" bash -c "! grep -q not-the-password '$work/wrong-pw.log'"
stop_gateway

check "no risk warnings for a good file" bash -c "! grep -q 'warning configuration:' '$work/gateway.log'"
{ cat "$work/good.yaml"; printf '  unassigned_agents: all\nmasking:\n  enabled: false\n'; } > "$work/risky.yaml"
start_gateway "$work/risky.yaml" "$work/risky.log"
check "unassigned_agents: all is a start-up warning naming the risk" \
  grep -q 'warning configuration: scope.unassigned_agents is .all.: an agent assigned to no partner sees every customer' "$work/risky.log"
check "masking.enabled: false is a start-up warning naming the risk" \
  grep -q 'warning configuration: masking.enabled is false: every agent sees .* unmasked' "$work/risky.log"
check "--check-config prints the warnings too" \
  bash -c "'$bin' --check-config '$work/risky.yaml' | grep -c '^warning: ' | grep -qx 2"
stop_gateway

# Out of file descriptors: the accept loop backs off and logs at most once a second instead
# of spinning, and serves again once descriptors come free. Release build only: under
# ASan+UBSan, running out of descriptors ends in a UBSan report inside Asio's strand
# bookkeeping that is still being looked into (docs/reliability.md).
if [ -z "${ASAN_OPTIONS:-}" ]; then
prlimit --nofile=64:64 "$bin" --config "$work/good.yaml" > "$work/emfile.log" 2>&1 &
gw_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
/usr/bin/python3 - "$port" <<'PY'
import socket, sys, time
held = []
for _ in range(120):  # far more than the 64 descriptors the gateway may have
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
        held.append(s)
    except OSError:
        break
time.sleep(3)
PY
check "out of descriptors: accept failures are logged at most about once a second" \
  test "$(grep -c 'accept failed' "$work/emfile.log")" -le 6
check "... and there were some" grep -q 'accept failed: Too many open files' "$work/emfile.log"
served=0
for _ in $(seq 1 50); do
  if curl -fs "http://127.0.0.1:$port/healthz" -o /dev/null; then served=1; break; fi
  sleep 0.1
done
check "... and once they are free again, requests are served" test "$served" -eq 1
stop_gateway
fi

echo "$failures failure(s)"
exit $((failures > 0))
