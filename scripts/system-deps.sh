#!/usr/bin/env bash
# Installs the system packages the tests need, only when they are missing:
# Debian's Chromium and ChromeDriver for the browser tests. Java and Maven
# (for Neo4j and Fuseki, fetched from Maven Central by services/*) come with the machine.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if ((${#need[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "system-deps: $tool is missing; install a JDK 17+ and Maven" >&2; exit 1; }
done
