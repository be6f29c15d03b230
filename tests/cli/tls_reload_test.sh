#!/usr/bin/env bash
# HTTPS and SIGHUP reload of the scopegate binary, with a CA made here by openssl: the
# certificate files are replaced and SIGHUP makes new connections see the new certificate
# while an open keep-alive connection keeps working; a broken config or a key that does not
# match is refused with a log line and the previous certificate keeps serving; a key that
# needs a restart is named in the log and not applied.
#   tls_reload_test.sh SCOPEGATE_BINARY
set -uo pipefail
bin=$1
work=$(mktemp -d /tmp/scopegate-tls-XXXXXX)
gw_pid=""
client_pid=""
cleanup() {
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
  [ -n "$gw_pid" ] && kill -9 "$gw_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
cd "$work" || exit 1

# A CA and two server certificates for 127.0.0.1 (private keys only in $work).
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
  -subj "/CN=reload test CA" 2>/dev/null
for name in first second; do
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" \
    -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -copy_extensions copy -out "$name.crt" 2>/dev/null
done
cp first.crt live.crt; cp first.key live.key

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_config() {  # port
  cat > scopegate.yaml <<YAML
listen:
  address: 127.0.0.1
  port: $1
  idle_timeout_ms: 60000
  tls:
    certificate_file: $work/live.crt
    key_file: $work/live.key
ldap:
  uris: ["ldap://127.0.0.1:1"]
agents:
  base_dn: ou=people,dc=example,dc=com
  partner_attribute: scopegatePartnerId
partners:
  base_dn: ou=partners,dc=example,dc=com
customers:
  base_dn: ou=customers,dc=example,dc=com
YAML
}
write_config "$port"

# The common name of the certificate a new connection gets.
peer_cn() {
  /usr/bin/python3 - "$port" "$work/ca.crt" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        subject = dict(x[0] for x in s.getpeercert()["subject"])
        print(subject["commonName"])
PY
}
"$bin" --config scopegate.yaml > gateway.log 2>&1 &
gw_pid=$!
for _ in $(seq 1 100); do
  curl -fs --cacert ca.crt "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
# A keep-alive client: one request now, another on the same connection when told.
/usr/bin/python3 - "$port" "$work/ca.crt" "$work" > client.out 2>&1 <<'PY' &
import http.client, os, ssl, sys, time
port, ca, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca), timeout=10)
conn.request("GET", "/healthz"); r = conn.getresponse(); r.read()
sock = conn.sock
print("first", r.status, flush=True)
open(os.path.join(work, "client.ready"), "w").close()
while not os.path.exists(os.path.join(work, "client.go")): time.sleep(0.05)
conn.request("GET", "/healthz"); r = conn.getresponse(); r.read()
print("second", r.status, "same-connection" if conn.sock is sock else "reconnected", flush=True)
PY
client_pid=$!

check "serves HTTPS" curl -fs --cacert ca.crt "https://127.0.0.1:$port/healthz" -o /dev/null
check "plain HTTP gets no answer" bash -c "! curl -fs --max-time 3 'http://127.0.0.1:$port/healthz' -o /dev/null"
check "TLS 1.1 is refused" bash -c "! curl -fs --max-time 3 --cacert ca.crt --tlsv1.1 --tls-max 1.1 'https://127.0.0.1:$port/healthz' -o /dev/null"
check "no warning about plain HTTP" bash -c "! grep -q 'without TLS' gateway.log"
check "the first certificate is served" test "$(peer_cn)" = first
for _ in $(seq 1 100); do [ -f client.ready ] && break; sleep 0.05; done
check "the keep-alive client got its first answer" grep -q '^first 200' client.out

reloads() { grep -c "$1" gateway.log; }
wait_log() {  # pattern count
  for _ in $(seq 1 100); do [ "$(reloads "$1")" -ge "$2" ] && return 0; sleep 0.05; done
  return 1
}

# New certificate files, SIGHUP.
cp second.crt live.crt; cp second.key live.key
kill -HUP "$gw_pid"
check "SIGHUP: the reload is logged" wait_log 'config reloaded: applied listen.tls' 1
check "SIGHUP: new connections get the new certificate" test "$(peer_cn)" = second
touch client.go
wait "$client_pid"; client_pid=""
check "the open keep-alive connection survived the reload" grep -q '^second 200 same-connection' client.out

# A broken config: refused, the running one keeps serving.
cp scopegate.yaml good.yaml
printf 'listen:\n  port: lots\n' > scopegate.yaml
kill -HUP "$gw_pid"
check "a broken config is refused with a log line" wait_log 'config reload refused.*listen.port' 1
check "still serving with the previous certificate" test "$(peer_cn)" = second

# A key that does not belong to the certificate: refused as a whole.
cp good.yaml scopegate.yaml
cp first.key live.key
kill -HUP "$gw_pid"
check "a mismatched key is refused with a log line" wait_log 'config reload refused.*does not belong' 1
check "still serving with the previous certificate after the bad key" test "$(peer_cn)" = second

# A key that needs a restart: named, not applied.
cp second.key live.key
other_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_config "$other_port"
kill -HUP "$gw_pid"
check "a changed port is named as needing a restart" wait_log 'listen.port changed but need a restart' 1
check "still listening on the old port" curl -fs --cacert ca.crt "https://127.0.0.1:$port/healthz" -o /dev/null
check "the gateway is still running" kill -0 "$gw_pid"

kill -TERM "$gw_pid"; wait "$gw_pid"; gw_rc=$?; gw_pid=""
check "SIGTERM exits 0" test "$gw_rc" -eq 0
if [ "$failures" -gt 0 ]; then echo "--- gateway log"; cat gateway.log; echo "--- client"; cat client.out; fi
echo "$failures failure(s)"
exit $((failures > 0))
