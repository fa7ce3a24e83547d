# The settings every Averon JVM runs with, declared once. Sourced by bin/averon, deploy/spark-submit.sh
# (driver, executors, YARN application master), deploy/local-cluster/start.sh and the benchmark scripts;
# the Kubernetes image (deploy/kubernetes/Dockerfile) repeats them, and KubernetesManifestsTest checks
# that they agree.

# The Java 17 flags Spark, ND4J and Aeron/Agrona need.
AVERON_JAVA_FLAGS=(-XX:+IgnoreUnrecognizedVMOptions -Djdk.reflect.useDirectMethodHandle=false
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  AVERON_JAVA_FLAGS+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
unset p

# The native libraries' settings, NAME=VALUE:
# - OMP_WAIT_POLICY: spinning OpenMP threads fight the JVM's threads on small machines (conventions.md:
#   +18-27% on the CNN);
# - MALLOC_*: glibc's malloc keeps freed native memory (no mmap per large block, no trimming): libnd4j
#   and oneDNN allocate and free their temporaries at every step, and faulting them in afresh each time
#   made convolutional training run at half speed in some processes (docs/benchmarks.md, issue 20).
# The OpenMP thread count is the launcher's choice (one per task core), not declared here.
AVERON_NATIVE_ENV=(OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824)

# Exports each AVERON_NATIVE_ENV setting this process's environment does not set already.
averon_export_native_env() {
  local setting name
  for setting in "${AVERON_NATIVE_ENV[@]}"; do
    name="${setting%%=*}"
    [[ -n "${!name:-}" ]] || export "${setting?}"
  done
}
