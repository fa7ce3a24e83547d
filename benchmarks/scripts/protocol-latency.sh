#!/usr/bin/env bash
# Parameter-server round latency of an earlier commit beside this tree's, in one run, alternating:
# the earlier build, this build at its default MTU, this build at Aeron's default 1,408-byte MTU.
# Each invocation of RoundLatencyBenchmark reports the median of ROUNDS rounds per size; the script
# prints every invocation and the median over the alternations.
# Usage: benchmarks/scripts/protocol-latency.sh BEFORE_COMMIT [ALTERNATIONS=5] [ROUNDS=5] [SIZES=1000000,10000000]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BEFORE="$1"; ALTERNATIONS="${2:-5}"; ROUNDS="${3:-5}"; SIZES="${4:-1000000,10000000}"
WORK="$(mktemp -d)"; trap 'git -C "$ROOT" worktree remove --force "$WORK/before-src" >/dev/null 2>&1; rm -rf "$WORK"' EXIT

build() { # source dir, destination dir
  (cd "$1" && flock /tmp/averon-mvn.lock mvn -B -q -ntp -DskipTests package -pl benchmarks -am)
  mkdir -p "$2" && cp "$1/benchmarks/target/averon-benchmarks-0.1.0-SNAPSHOT.jar" "$2/" && cp -r "$1/benchmarks/target/lib" "$2/"
}
git -C "$ROOT" worktree add --detach "$WORK/before-src" "$BEFORE" >/dev/null
build "$WORK/before-src" "$WORK/before"
build "$ROOT" "$WORK/after"

for i in $(seq "$ALTERNATIONS"); do
  for variant in before after: after:1408; do
    build_dir="${variant%%:*}"; mtu="${variant#*:}"; [ "$mtu" = "$variant" ] && mtu=""
    label="$build_dir${mtu:+ (MTU $mtu)}"
    echo "=== $label run $i"
    # this tree's benchmark also takes the averaging mode (after the MTU) and prints it first in each row
    args=("$SIZES" 2 "$ROUNDS" $mtu); [ "$build_dir" = after ] && args=("$SIZES" 2 "$ROUNDS" "$mtu" server)
    java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Xmx6g \
      -cp "$WORK/$build_dir/averon-benchmarks-0.1.0-SNAPSHOT.jar:$WORK/$build_dir/lib/*" \
      io.averon.benchmarks.RoundLatencyBenchmark "${args[@]}" 2>/dev/null | grep -E "^\| (server \| )?[0-9]"
  done
done | tee "$WORK/runs.txt"

python3 - "$WORK/runs.txt" <<'PY'
import re, statistics, sys
runs, variant = {}, None
for line in open(sys.argv[1]):
    m = re.match(r"=== (.+?) ?run \d+", line)
    if m:
        variant = m.group(1).strip()
        continue
    m = re.match(r"\| (?:server \| )?([\d,]+) \| 2 \| (?:[\d,]+ MB \| )?([\d.]+) s", line)
    if m:
        runs.setdefault(m.group(1), {}).setdefault(variant, []).append(float(m.group(2)))
print("\n| parameters | before | after (default MTU) | ratio | after (MTU 1408) | ratio |")
print("|---:|---:|---:|---:|---:|---:|")
for size, by in runs.items():
    b = statistics.median(by["before"]); a = statistics.median(by["after"]); s = statistics.median(by["after (MTU 1408)"])
    print(f"| {size} | {b:.3f} s | {a:.3f} s | {a / b:.2f} | {s:.3f} s | {s / b:.2f} |")
PY
