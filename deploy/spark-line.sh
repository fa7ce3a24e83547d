# Sourced by the deploy and benchmark scripts: which Spark line a SPARK_HOME is, and Averon's job jar for it.
# Averon builds one shaded jar per Spark line: deploy/target/averon-VERSION-spark4.2_2.13.jar (the default build)
# and deploy/target/spark-3.5/averon-VERSION-spark3.5_2.12.jar (mvn -Pspark-3.5).

# The Scala binary version of the Spark in SPARK_HOME ($1), from its spark-core jar: 2.13 or 2.12.
spark_scala_version() {
  local core
  core="$(ls "$1"/jars/spark-core_*.jar 2>/dev/null | head -1)"
  [[ -n "$core" ]] || { echo "no jars/spark-core_*.jar in SPARK_HOME $1" >&2; return 1; }
  core="${core##*/spark-core_}"
  echo "${core%%-*}"
}

# Averon's job jar built under ROOT ($1) for Scala $2, or nothing if that line was not built.
averon_job_jar() {
  ls "$1"/deploy/target/averon-*-spark*_"$2".jar "$1"/deploy/target/spark-*/averon-*-spark*_"$2".jar 2>/dev/null | head -1 || true
}
