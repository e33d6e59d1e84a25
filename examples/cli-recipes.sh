#!/usr/bin/env bash
# kafka08 CLI recipes, runnable top to bottom against any Kafka 0.8 cluster:
#
#   kafka08 broker up --topic recipes:2     # or any running cluster
#   KAFKA08_BROKERS=127.0.0.1:9092 bash examples/cli-recipes.sh [topic]
#
# $KAFKA08 overrides the command (the tests run it as "node dist/cli/main.js").
set -euo pipefail
kafka08() { ${KAFKA08:-command kafka08} "$@"; }
topic=${1:-recipes-$RANDOM$RANDOM}
group=recipes-group

# Produce "key<TAB>value" lines, gzip-compressed, into partition 0 (the topic is auto-created).
printf 'user-1\tlogged in\nuser-2\tlogged out\nuser-1\tbought a hat\n' |
  kafka08 produce --topic "$topic" --partition 0 --key-separator $'\t' --compression gzip --quiet

# Which brokers lead which partitions, as JSON.
kafka08 metadata --topic "$topic" --json

# Earliest and latest offset of every partition.
kafka08 offsets --topic "$topic"

# Everything currently in the topic as JSON lines, then exit.
kafka08 consume --topic "$topic" --exit-at-end

# Only the values of two messages starting at offset 1 of partition 0.
kafka08 consume --topic "$topic" --partition 0 --offset 1 --count 2 --format value

# Read as a group and commit the position to ZooKeeper (OffsetCommit v0)...
kafka08 consume --topic "$topic" --group "$group" --commit --count 2 --quiet > /dev/null
# ...then see the committed offsets and the lag per partition.
kafka08 group --group "$group" --topic "$topic"

# Binary-safe: values as base64 in and out.
printf 'AAEC/w==\n' | kafka08 produce --topic "$topic" --partition 0 --value-encoding base64 --quiet
kafka08 consume --topic "$topic" --partition 0 --offset 3 --count 1 --value-encoding hex
