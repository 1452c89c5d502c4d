# Shared by the bench scripts (sourced, not run): argument checks and the JDK lookup.

# Exits 2 unless each named variable holds a positive integer.
require_positive() {
  local v
  for v in "$@"; do
    if ! [[ "${!v}" =~ ^[1-9][0-9]*$ ]]; then
      echo "bench: $v must be a positive integer, got '${!v}'" >&2
      exit 2
    fi
  done
}

# Exits 2 unless each named variable holds a non-negative integer.
require_non_negative() {
  local v
  for v in "$@"; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]]; then
      echo "bench: $v must be a non-negative integer, got '${!v}'" >&2
      exit 2
    fi
  done
}

# Sets java (the one ./bg uses: $BG_JAVA, else $JAVA_HOME/bin/java, else java on PATH) and javac
# (from the same JDK, else on PATH); exits 2 without a javac.
find_jdk() {
  java="${BG_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}"
  java="${java:-java}"
  javac="$(dirname "$(readlink -f "$(command -v "$java")")")/javac"
  [ -x "$javac" ] || javac="$(command -v javac || true)"
  if [ -z "$javac" ]; then
    echo "bench: javac not found next to $java or on PATH; a JDK is needed" >&2
    exit 2
  fi
}
