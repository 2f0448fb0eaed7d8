#!/usr/bin/env bash
# The Keycloak recipe in a real Keycloak: the server distribution of the version the provider is built
# against (docs/recipes/keycloak/pom.xml, keycloak.version) from Maven Central — downloaded once into
# ~/.m2, a fresh copy per run so no realm or database carries over — with the provider JAR in
# providers/; then test/recipes/keycloak-login.test.ts starts it (kc.sh start-dev, H2, 127.0.0.1), sets
# up a realm, and logs in with Chromium against a real ifas-guard. Needs a JDK 17+ and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
POM=docs/recipes/keycloak/pom.xml
VERSION="$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$POM")"
JAVA_MAJOR="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
if [[ -z "$JAVA_MAJOR" || "$JAVA_MAJOR" -lt 17 ]]; then
  echo "keycloak e2e: SKIPPED (Keycloak $VERSION needs Java 17 or later; found '${JAVA_MAJOR:-none}')"
  exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
started=$(date +%s)
JAR="$(ls docs/recipes/keycloak/target/ifas-keycloak-liveness-*.jar 2>/dev/null || true)"
if [[ -z "$JAR" ]]; then
  mvn -q -B -f "$POM" package
  JAR="$(ls docs/recipes/keycloak/target/ifas-keycloak-liveness-*.jar)"
fi
# Keycloak augments itself (~40-60 s) the first time it starts with a new provider; a copy that already
# did, for this version and this very JAR (a reproducible build), is kept beside Maven's cache, outside
# the clone (without its database), and reused by later runs and fresh clones.
CACHE_ROOT="${IFAS_KEYCLOAK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ifas-guard/keycloak}"
CACHED="$CACHE_ROOT/keycloak-$VERSION-$(sha256sum "$JAR" | cut -c1-16)"
HOME_DIR="$WORK/keycloak-$VERSION"
if [[ -f "$CACHED/.augmented" ]]; then
  cp -a "$CACHED" "$HOME_DIR"
  how="reused the augmented copy $CACHED"
else
  # dependency:copy, not unpack: unpack leaves markers in the working directory and then skips.
  (cd "$WORK" && mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:${VERSION}:zip" -DoutputDirectory=. \
    && jar xf "keycloak-quarkus-dist-${VERSION}.zip" && rm "keycloak-quarkus-dist-${VERSION}.zip")
  cp "$JAR" "$HOME_DIR/providers/"
  how="unpacked from ~/.m2 with $(basename "$JAR")"
fi
echo "keycloak e2e: Keycloak $VERSION $how in $(( $(date +%s) - started )) s"
if ! IFAS_KEYCLOAK_HOME="$HOME_DIR" npx vitest run test/recipes/keycloak-login.test.ts; then
  echo "keycloak e2e: FAILED; the end of Keycloak's log:"
  tail -n 40 "$HOME_DIR/keycloak-e2e.log" 2>/dev/null || true
  exit 1
fi
if [[ ! -f "$CACHED/.augmented" ]]; then
  # Saved under a temporary name and renamed, so a concurrent run never copies half a cache; copies
  # for other versions or JARs are dropped.
  rm -rf "$HOME_DIR/data" "$HOME_DIR/keycloak-e2e.log"
  mkdir -p "$CACHE_ROOT"
  cp -a "$HOME_DIR" "$CACHED.partial.$$" && touch "$CACHED.partial.$$/.augmented"
  find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -name 'keycloak-*' ! -name "$(basename "$CACHED")*" -exec rm -rf {} +
  mv -T "$CACHED.partial.$$" "$CACHED" 2>/dev/null || rm -rf "$CACHED.partial.$$"
fi
echo "keycloak e2e: PASSED in a real Keycloak $VERSION (Java $(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p')): holder logged in (code, ID token sub), attacker's face denied on the error page, fail-open passes an outage but never a 401/403 ($(( $(date +%s) - started )) s)"
