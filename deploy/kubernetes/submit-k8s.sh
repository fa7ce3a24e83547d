#!/usr/bin/env bash
# Submits an Averon job to Kubernetes with spark-submit in cluster mode: the driver and the executors run
# in pods of the averon:0.1.0 image (Dockerfile), with the external parameter server of parameter-server.yaml.
#
#   K8S_API=https://kube.example.com:6443 deploy/kubernetes/submit-k8s.sh [spark-submit options...] -- \
#       train --model cnn --epochs 5 --data hdfs://namenode:8020/datasets/fashion-mnist \
#             --out hdfs://namenode:8020/averon/runs/fashion-cnn
#
# Once per namespace, before the first job:
#   kubectl create namespace averon && kubectl apply -f deploy/kubernetes/rbac.yaml
#   kubectl -n averon create secret generic averon-job-secret --from-literal=secret="$(openssl rand -base64 48)"
#   kubectl apply -f deploy/kubernetes/parameter-server.yaml
#
#   SPARK_HOME      a Spark 4.2 (Scala 2.13) distribution with Kubernetes support (bin/spark-submit), the image's line;
#                   the Maven-built SPARK_HOME of deploy/local-cluster has no spark-kubernetes jar
#   K8S_API         the Kubernetes API server URL (https://...)
#   AVERON_IMAGE    the image (default averon:0.1.0)
#   AVERON_NAMESPACE  the namespace (default averon)
# spark-submit options given before -- come last and so override the settings below
# (e.g. --conf spark.executor.instances=4 --conf spark.averon.workers=4, then restart averon ps with --workers 4).
# --data and --out must be on storage every pod reaches: the driver pod's disk goes away with it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4.2 (Scala 2.13) distribution}"
: "${K8S_API:?set K8S_API to the Kubernetes API server, e.g. https://kube.example.com:6443}"
IMAGE="${AVERON_IMAGE:-averon:0.1.0}"
NAMESPACE="${AVERON_NAMESPACE:-averon}"

# The Java 17 flags Spark and Aeron need (the image sets them in JDK_JAVA_OPTIONS as well).
java17_flags=(
  -XX:+IgnoreUnrecognizedVMOptions
  -Djdk.reflect.useDirectMethodHandle=false
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
)

spark_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do spark_args+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
if [[ $# -eq 0 ]]; then
  echo "usage: K8S_API=https://... $0 [spark-submit options...] -- <averon command and options>" >&2
  exit 2
fi

# Sizing: one task per executor core (spark.task.cpus=1: one native thread per task). Executors derive
# ND4J's off-heap limits from spark.executor.memoryOverhead (maxbytes = 80% of it, maxphysicalbytes =
# memory + overhead); it must hold the model's native memory plus ~150 MB of Aeron buffers per task in
# the memory-backed /dev/shm of pod-template.yaml: ~1-2 GB for the presets (2g leaves room for cnn).
# Only the driver mounts the job secret; it hands the secret to the executors inside the Spark task.
exec "$SPARK_HOME/bin/spark-submit" \
  --master "k8s://$K8S_API" \
  --deploy-mode cluster \
  --name averon-train \
  --class io.averon.driver.cli.AveronCli \
  --conf "spark.kubernetes.namespace=$NAMESPACE" \
  --conf "spark.kubernetes.container.image=$IMAGE" \
  --conf spark.kubernetes.container.image.pullPolicy=IfNotPresent \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=averon-spark \
  --conf "spark.kubernetes.driver.podTemplateFile=$HERE/pod-template.yaml" \
  --conf "spark.kubernetes.executor.podTemplateFile=$HERE/pod-template.yaml" \
  --conf spark.kubernetes.driver.secrets.averon-job-secret=/etc/averon/secret \
  --conf "spark.driver.extraJavaOptions=${java17_flags[*]}" \
  --conf "spark.executor.extraJavaOptions=${java17_flags[*]}" \
  --conf spark.driver.cores=1 \
  --conf spark.driver.memory=2g \
  --conf spark.driver.memoryOverhead=1g \
  --conf spark.executor.instances=2 \
  --conf spark.executor.cores=1 \
  --conf spark.executor.memory=2g \
  --conf spark.executor.memoryOverhead=2g \
  --conf spark.task.cpus=1 \
  --conf spark.dynamicAllocation.enabled=false \
  --conf spark.authenticate=true \
  --conf spark.network.crypto.enabled=true \
  --conf spark.averon.ps=averon-ps:7070 \
  --conf spark.averon.job=fashion-cnn \
  --conf spark.averon.workers=2 \
  --conf spark.averon.secret-file=/etc/averon/secret/secret \
  --conf spark.averon.allow-shared-secret-file=true \
  --conf spark.averon.report-port=7072 \
  "${spark_args[@]}" \
  local:///opt/averon/averon-spark.jar "$@"
