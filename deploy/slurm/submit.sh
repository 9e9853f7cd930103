#!/bin/bash
# Submits the shard array, then a merge that starts once every shard has succeeded.
set -euo pipefail
here=$(dirname "$0")
: "${STUDY_DIR:?set STUDY_DIR to a folder every node can write}"
array=$(sbatch --parsable --export=ALL "$here/study.sbatch")
merge=$(sbatch --parsable --dependency="afterok:${array}" --job-name=pilotzone-merge --export=ALL \
  --wrap "$(printf '%q merge %q' "${PILOTZONE:-pilotzone}" "$STUDY_DIR")")
echo "submitted shards as job $array and their merge as job $merge;" \
  "study.csv and summary.csv will appear in $STUDY_DIR"
