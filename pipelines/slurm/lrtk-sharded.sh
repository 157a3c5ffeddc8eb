#!/usr/bin/env bash
# Run `lrtk filter`, `lrtk segment` or `lrtk align` on Slurm: one array task per shard, then
# the merge.
#
#   pipelines/slurm/lrtk-sharded.sh STAGE INPUT WORK SHARDS OUTPUT [STAGE OPTIONS...]
#
#   pipelines/slurm/lrtk-sharded.sh filter pairs.jsonl /scratch/w 16 kept.jsonl \
#       --src-lang bn --tgt-lang en
#   pipelines/slurm/lrtk-sharded.sh segment docs.jsonl /scratch/s 8 sents.jsonl --lang bn
#   pipelines/slurm/lrtk-sharded.sh align docpairs.jsonl /scratch/a 8 pairs.jsonl \
#       --src-lang bn --tgt-lang en
#
# filter and align first fit their model once (filter: the corpus-learned filters' state;
# align: the dictionary; WORK/model.json); every shard task loads it. align's and segment's merge get the
# stage options too (they need the languages; align's --save-aligners DIR is written by the merge). Shard outputs and completion markers go to WORK/shards: resubmit
# the same command after a failure and finished shards are skipped. The merge writes OUTPUT
# (and $REPORT, $REJECTS for filter, when set), byte-identical to a one-process run.
#
# Resources come from sbatch's environment (SBATCH_PARTITION, SBATCH_TIMELIMIT, ...); each
# shard task uses $SLURM_CPUS_PER_TASK processes (set SBATCH_CPUS_PER_TASK). $LRTK is the
# command (default: lrtk). Sizing: docs/scale.md.
set -euo pipefail

if [ $# -lt 5 ]; then
    sed -n '2,13p' "$0" >&2
    exit 2
fi
stage=$1 input=$2 work=$3 shards=$4 output=$5
shift 5
case $stage in filter|segment|align) ;; *) echo "lrtk-sharded.sh: unknown stage $stage" >&2; exit 2;; esac
LRTK=${LRTK:-lrtk}
mkdir -p "$work"

q() { printf '%q ' "$@"; }  # quote for --wrap, which runs its command through a shell
opts=$(q "$@")
model_opt="" fit_dep=""
merge_opts="-o $(q "$output")"
if [ "$stage" != segment ]; then
    fit=$(sbatch --parsable --job-name "lrtk-fit" \
        --wrap "$LRTK $stage $(q "$input") $opts --fit-only --model-out $(q "$work/model.json")")
    model_opt="--model $(q "$work/model.json")"
    fit_dep="--dependency=afterok:$fit"
fi
array=$(sbatch --parsable $fit_dep --array="0-$((shards - 1))" --job-name "lrtk-$stage" \
    --wrap "$LRTK $stage $(q "$input") $opts $model_opt --work-dir $(q "$work/shards") \
--num-shards $shards --shard-index \$SLURM_ARRAY_TASK_ID --workers \${SLURM_CPUS_PER_TASK:-1}")
[ "$stage" != filter ] && merge_opts+=" $opts"  # align and segment need them (--lang: a required option)
[ -n "${REPORT:-}" ] && merge_opts+=" --report $(q "$REPORT")"
[ -n "${REJECTS:-}" ] && merge_opts+=" --rejects $(q "$REJECTS")"
sbatch --parsable --dependency="afterok:$array" --job-name "lrtk-merge" \
    --wrap "$LRTK $stage --merge --work-dir $(q "$work/shards") --num-shards $shards $merge_opts"
