#!/usr/bin/env bash
# Fetch and run Apache Jena Fuseki (org.apache.jena:jena-fuseki-main 5.6.0) for
# the SPARQL cross-check. Everything it downloads goes to services/fuseki/dist/
# (gitignored), with ~/.m2 as Maven's cache.
#
#   services/fuseki/fuseki.sh fetch              download the jars (idempotent)
#   services/fuseki/fuseki.sh start [PORT]       start on 127.0.0.1:PORT (default 3030),
#                                                in-memory dataset /ds, wait until ready
#   services/fuseki/fuseki.sh stop [PORT]        stop the Fuseki this script started on PORT
#
# Each instance has its own pid file (dist/fuseki-PORT.pid) and log, so a test
# session on a random port never touches a Fuseki someone started on 3030.
#
# The dataset is in memory (TDB in-memory mode) with the default graph as the
# union of the named graphs, the same view `kg serve` gives, so the README
# queries mean the same thing on both engines. Updates are allowed (the
# tests load our TriG through the Graph Store Protocol); it binds loopback only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIST="$HERE/dist"
LIB="$DIST/lib"
PORT="${2:-3030}"
PIDFILE="$DIST/fuseki-$PORT.pid"
LOG="$DIST/fuseki-$PORT.log"
JAVA="${JAVA:-java}"

fetch() {
  if [ -f "$LIB/jena-fuseki-main-5.6.0.jar" ]; then
    return 0
  fi
  command -v mvn >/dev/null || { echo "fuseki.sh: mvn not found; install Maven (apt-get install maven)" >&2; exit 1; }
  mkdir -p "$LIB"
  mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB"
  [ -f "$LIB/jena-fuseki-main-5.6.0.jar" ] || { echo "fuseki.sh: download failed (see Maven output above)" >&2; exit 1; }
}

ping() {  # curl when present, else bash's /dev/tcp
  if command -v curl >/dev/null; then
    curl -fsS "http://127.0.0.1:$1/\$/ping" >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /$/ping HTTP/1.0\r\n\r\n' >&3 && head -1 <&3 | grep -q " 200") 2>/dev/null
  fi
}

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

start() {
  local port="$PORT"
  fetch
  if running; then
    echo "fuseki.sh: already running on port $port (pid $(cat "$PIDFILE")); run '$0 stop $port' first" >&2
    exit 1
  fi
  command -v "$JAVA" >/dev/null || { echo "fuseki.sh: java not found; install a JDK 17+" >&2; exit 1; }
  mkdir -p "$DIST"
  # shellcheck disable=SC2086
  "$JAVA" ${FUSEKI_JAVA_OPTS:--Xmx1g} -cp "$LIB/*" org.apache.jena.fuseki.main.cmds.FusekiMainCmd \
      --localhost --port "$port" --memTDB --set tdb:unionDefaultGraph=true --update --ping /ds \
      >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 480); do
    if ping "$port"; then
      echo "fuseki.sh: Fuseki up at http://127.0.0.1:$port/ds (pid $(cat "$PIDFILE"))"
      return 0
    fi
    if ! running; then
      echo "fuseki.sh: Fuseki exited during start-up; log:" >&2
      tail -20 "$LOG" >&2
      rm -f "$PIDFILE"
      exit 1
    fi
    sleep 0.25
  done
  echo "fuseki.sh: Fuseki did not answer on port $port within 120 s; log: $LOG" >&2
  stop
  exit 1
}

stop() {
  if ! [ -f "$PIDFILE" ]; then
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 fetch | start [PORT] | stop [PORT]" >&2; exit 2 ;;
esac
