# Stages of a language-pair build, shared by every pair (pipelines/pair.sh PAIR).
#
# pipelines/pair.sh sets the knobs (variables named after the stage they belong to: SEGMENT_*,
# ALIGN_*, ...) from pipelines/pairs/PAIR.conf and its own defaults, then sources this file
# and calls `pipeline_main "$@"`. Each stage reads the previous stage's files in $WORK and
# writes its own; nothing here knows about Make or about any one language: SRC and TGT pick
# lrtk's rules for them (segmentation, scripts, language ID).
# `lrtk` is whatever is first on PATH (make puts .venv/bin there), and so is `python` unless
# PYTHON names one (make passes the venv's).
#
#   pipelines/pair.sh bn-en                 run every stage in order
#   pipelines/pair.sh bn-en align filter    run only these stages (their inputs must exist)
#   pipelines/pair.sh bn-en --config align  print the knobs the align stage depends on (Make
#                                           uses this to rerun a stage only when they changed)
#
# Each build stage leaves a record for `lrtk report` in $WORK/reports/stages/: NN-STAGE.config
# (its fingerprint, as --config prints it) and NN-STAGE.commands (the lrtk command lines it
# ran, one a line), NN its place in BUILD_STAGES. summary and report only read the build.

PYTHON=${PYTHON:-python}
BUILD_STAGES=(segment align filter corpus tokenizer sample train tune eval export run quality)
STAGES=("${BUILD_STAGES[@]}" summary report)

say() { printf '== %s: %s\n' "$PAIR" "$*" >&2; }

# A word as the shell reads it back: bare when it is plain, else in single quotes.
shell_quote() {
  case $1 in
    '' | *[!A-Za-z0-9_@%+=:,./-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# Every lrtk command a stage runs passes here, so the report shows the commands as run.
lrtk() {
  if [ -n "${STAGE_COMMANDS:-}" ]; then
    local arg line=lrtk
    for arg in "$@"; do line+=" $(shell_quote "$arg")"; done
    printf '%s\n' "$line" >> "$STAGE_COMMANDS"
  fi
  command lrtk "$@"
}

stage_segment() {
  for lang in "$SRC" "$TGT"; do
    # shellcheck disable=SC2086  # SEGMENT_OPTIONS is a list of flags
    lrtk segment --lang "$lang" "$DOCS_DIR/docs.$lang.jsonl" $SEGMENT_OPTIONS \
      -o "$WORK/seg.$lang.jsonl" --report "$WORK/reports/segment.$lang.json"
  done
}

stage_align() {
  lrtk align --src-lang "$SRC" --tgt-lang "$TGT" \
    --src-docs "$WORK/seg.$SRC.jsonl" --tgt-docs "$WORK/seg.$TGT.jsonl" \
    --aligners "$ALIGN_ALIGNERS" --combine "$ALIGN_COMBINE" \
    -o "$WORK/aligned.jsonl" --report "$WORK/reports/align.json"
}

stage_filter() {
  lrtk filter --src-lang "$SRC" --tgt-lang "$TGT" --seed "$SEED" \
    ${FILTER_CONFIG:+--config "$FILTER_CONFIG"} "$WORK/aligned.jsonl" \
    -o "$WORK/filtered.jsonl" --rejects "$WORK/rejects.jsonl" --report "$WORK/reports/filter.json"
}

stage_corpus() {
  # The config is written from the knobs so it travels with $WORK; the data card is
  # byte-identical for identical inputs (no timestamps, paths relative to $WORK).
  cat > "$WORK/corpus.yaml" <<EOF
name: $CORPUS_NAME
src_lang: $SRC
tgt_lang: $TGT
description: "$CORPUS_DESCRIPTION"
sources:
  - {name: $CORPUS_SOURCE, licence: $CORPUS_LICENCE, path: "-", filter_report: reports/filter.json}
splits: {test: $CORPUS_TEST, dev: $CORPUS_DEV, train: rest}
EOF
  local exclude=()
  for f in $CORPUS_EXCLUDE; do [ -f "$f" ] && exclude+=(--exclude "$f"); done
  lrtk corpus build --config "$WORK/corpus.yaml" -o "$WORK/corpus" --card "$CORPUS_CARD" \
    "${exclude[@]}" --report "$WORK/reports/corpus.json" < "$WORK/filtered.jsonl"
}

stage_tokenizer() {
  mkdir -p "$WORK/tokenizer"
  lrtk tokenizer train --corpus "$SRC=$WORK/corpus/train.$SRC" --corpus "$TGT=$WORK/corpus/train.$TGT" \
    --vocab-size "$TOKENIZER_VOCAB" --model-type "$TOKENIZER_TYPE" --threads 1 --seed "$SEED" \
    -o "$WORK/tokenizer/spm"
  # fertility per language on held-out text (the test split), for the report
  lrtk tokenizer report --tokenizer "$WORK/tokenizer/spm.model" \
    --corpus "$SRC=$WORK/corpus/test.$SRC" --corpus "$TGT=$WORK/corpus/test.$TGT" \
    --report "$WORK/reports/tokenizer.json" > "$WORK/tokenizer/report.txt"
}

stage_sample() {
  lrtk sample plan --corpus "$SRC=$WORK/corpus/train.$SRC" --corpus "$TGT=$WORK/corpus/train.$TGT" \
    --mix cooldown --tau "$SAMPLE_TAU" --tau-end "$SAMPLE_TAU_END" --switch "$SAMPLE_SWITCH" \
    --budget "$SAMPLE_BUDGET" --report "$WORK/sample.plan.json" > "$WORK/sample.plan.txt"
}

stage_train() {
  lrtk train --tokenizer "$WORK/tokenizer/spm.model" --plan "$WORK/sample.plan.json" \
    --layers "$TRAIN_LAYERS" --hidden "$TRAIN_HIDDEN" --heads "$TRAIN_HEADS" --kv-heads "$TRAIN_KV_HEADS" \
    --intermediate "$TRAIN_INTERMEDIATE" --ctx "$TRAIN_SEQ_LEN" \
    --steps "$TRAIN_STEPS" --batch-size "$TRAIN_BATCH" --lr "$TRAIN_LR" \
    --eval "$SRC=$WORK/corpus/dev.$SRC" --eval "$TGT=$WORK/corpus/dev.$TGT" --eval-every "$TRAIN_EVAL_EVERY" \
    --seed "$SEED" -o "$WORK/lm"
}

# Translation examples in both directions and TaCo chains, then a curriculum: LoRA on
# translation first, then the TaCo stage continuing the same adapter.
stage_tune() {
  lrtk taco build --pairs "$WORK/corpus/train.jsonl" --src-lang "$SRC" --tgt-lang "$TUNE_TACO_LANG" \
    -o "$WORK/tune.translation.jsonl"
  lrtk taco build --dialogue "$WORK/corpus/train.jsonl" --src-lang "$SRC" --tgt-lang "$TUNE_TACO_LANG" \
    -o "$WORK/tune.taco.jsonl"
  cat > "$WORK/curriculum.yaml" <<EOF
seed: $SEED
adapter: {method: lora, r: $TUNE_LORA_R, alpha: $TUNE_LORA_ALPHA, dropout: $TUNE_LORA_DROPOUT, targets: [$TUNE_LORA_TARGETS]}
stages:
  - {name: translation, data: tune.translation.jsonl, steps: $TUNE_TRANSLATION_STEPS, lr: $TUNE_LR}
  - {name: taco, data: tune.taco.jsonl, steps: $TUNE_TACO_STEPS, lr: $TUNE_LR}
EOF
  lrtk tune --model "$WORK/lm" --curriculum "$WORK/curriculum.yaml" --seed "$SEED" --merge -o "$WORK/tuned"
}

stage_eval() {
  lrtk eval --model "$WORK/tuned/merged" --test "$WORK/corpus/test.jsonl" --src-lang "$SRC" --tgt-lang "$TGT" \
    --metric "$EVAL_METRICS" --max-new-tokens "$EVAL_MAX_NEW_TOKENS" \
    --hyp-out "$WORK/eval.hyp.txt" --markdown "$WORK/eval.md" --report "$WORK/reports/eval.json"
}

# model.lrtk is the model the run stage uses; the EXPORT_COMPARE_BITS widths are exported
# beside it (export/) only so that the report can compare sizes (reports/export.jsonl).
stage_export() {
  lrtk export "$WORK/tuned/merged" -o "$WORK/model.lrtk" --bits "$EXPORT_BITS" --group-size "$EXPORT_GROUP_SIZE"
  # EXPORT_FORMATS=lrtk,gguf: also model.gguf for llama.cpp (docs/gguf.md)
  if [[ ",$EXPORT_FORMATS," == *,gguf,* ]]; then
    lrtk export "$WORK/tuned/merged" -o "$WORK/model.gguf" --format gguf --bits "$EXPORT_GGUF_BITS"
  fi
  local bits
  mkdir -p "$WORK/export"
  for bits in $EXPORT_COMPARE_BITS; do
    [ "$bits" = "$EXPORT_BITS" ] && continue
    lrtk export "$WORK/tuned/merged" -o "$WORK/export/model.$bits.lrtk" --bits "$bits" --group-size "$EXPORT_GROUP_SIZE"
  done
  {
    export_size "$EXPORT_BITS" "$WORK/model.lrtk"
    for bits in $EXPORT_COMPARE_BITS; do
      [ "$bits" = "$EXPORT_BITS" ] || export_size "$bits" "$WORK/export/model.$bits.lrtk"
    done
  } > "$WORK/reports/export.jsonl.new"
  mv "$WORK/reports/export.jsonl.new" "$WORK/reports/export.jsonl"
}

export_size() {
  printf '{"bits": "%s", "group_size": %s, "file": "%s", "bytes": %s}\n' \
    "$1" "$EXPORT_GROUP_SIZE" "${2#"$WORK/"}" "$(wc -c < "$2" | tr -d ' ')"
}

stage_run() {
  # run.txt: the prompt followed by what the native runtime generated after it
  { printf '%s' "$RUN_PROMPT"; lrtk run "$WORK/model.lrtk" --prompt "$RUN_PROMPT" -n "$RUN_TOKENS" \
      --temperature "$RUN_TEMPERATURE" --top-p 0.9 --seed "$SEED"; } > "$WORK/run.txt"
  lrtk bench "$WORK/model.lrtk" --threads "$RUN_BENCH_THREADS" --prompt-tokens "$RUN_BENCH_PROMPT_TOKENS" \
    --decode-tokens "$RUN_BENCH_DECODE_TOKENS" --json > "$WORK/reports/bench.jsonl"
}

# Segment, align and filter scored on the pair's own documents as translators aligned them
# (lrtk.pair_quality): boundary F1 of the paragraphs split back, strict F1 of the pipeline's
# aligners on the documents with sentences merged and dropped, the share of clean pairs the
# pipeline's filter keeps and of synthetic noise it flags. Needs QUALITY_DATA (skipped without).
stage_quality() {
  if [ ! -d "$QUALITY_DATA" ]; then
    echo "pipelines/pair.sh: $PAIR quality skipped: no $QUALITY_DATA (the shared data folder)" >&2
    return
  fi
  local q=$WORK/quality
  "$PYTHON" -m lrtk.pair_quality gold --set "$QUALITY_SET" --shared "$QUALITY_DATA" \
    --documents "$QUALITY_DOCUMENTS" --seed "$SEED" -o "$q"
  lrtk align --src-lang en --tgt-lang "$SRC" --src-docs "$q/align.en.jsonl" --tgt-docs "$q/align.$SRC.jsonl" \
    --aligners "$ALIGN_ALIGNERS" --combine "$ALIGN_COMBINE" --output-format beads -o "$q/align.beads"
  lrtk align score --gold "$q/align.gold.beads" --pred "ensemble=$q/align.beads" \
    --report "$q/align.score.json" > /dev/null
  lrtk filter --src-lang "$SRC" --tgt-lang "$TGT" --seed "$SEED" ${FILTER_CONFIG:+--config "$FILTER_CONFIG"} \
    "$q/noisy.jsonl" -o "$q/kept.jsonl" --report "$q/filter.json"
  "$PYTHON" -m lrtk.pair_quality report "$q" -o "$WORK/reports/quality.json"
}

stage_summary() {
  "$PYTHON" -m lrtk.pipeline_summary "$WORK" --title "$SUMMARY_TITLE"
}

stage_report() {
  lrtk report "$WORK" -o "$WORK/report.html" --title "$SUMMARY_TITLE"
}

# The fingerprint of one stage: its knobs (its own variables and those every stage shares),
# its code, for the first stage the checksums of the raw documents, and for export the model
# file format version (a build from an older lrtk exports again instead of keeping a file
# this runtime refuses). The quality stage runs the align and filter knobs too, and measures
# lrtk's code: a change to segment, align or filter code reruns it (and only it), so
# `make pairs` then measures them again.
stage_config() {
  local prefix prefixes
  declare -F "stage_$1" >/dev/null || { echo "unknown stage '$1' (stages: ${STAGES[*]})" >&2; exit 2; }
  prefix=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
  prefixes=("$prefix")
  if [ "$1" = quality ]; then prefixes+=(ALIGN FILTER); fi
  for var in SRC TGT SEED $(for p in "${prefixes[@]}"; do compgen -v "${p}_"; done); do
    printf '%s=%s\n' "$var" "${!var}"
  done
  declare -f "stage_$1"
  if [ "$1" = segment ]; then (cd "$DOCS_DIR" && sha256sum docs.*.jsonl); fi
  if [ "$1" = export ]; then
    printf 'model file version: %s\n' "$("$PYTHON" -c 'from lrtk.io.model_file import VERSION; print(VERSION)')"
  fi
  if [ "$1" = quality ]; then
    printf 'code sha256 of lrtk/{text,align,filter,pair_quality.py}: %s\n' "$(cd "$HERE/.." &&
      find lrtk/text lrtk/align lrtk/filter lrtk/pair_quality.py -type f -not -path '*/__pycache__/*' \
        | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
  fi
}

pipeline_main() {
  if [ "${1:-}" = "--config" ]; then
    stage_config "$2"
    return
  fi
  local stages=("$@")
  [ ${#stages[@]} -gt 0 ] || stages=("${STAGES[@]}")
  mkdir -p "$WORK/reports/stages"
  for stage in "${stages[@]}"; do
    declare -F "stage_$stage" >/dev/null || { echo "unknown stage '$stage' (stages: ${STAGES[*]})" >&2; exit 2; }
    say "$stage"
    run_stage "$stage"
  done
}

# Runs one stage; a build stage's record (see the top) is replaced only when the stage succeeds.
run_stage() {
  local i record=""
  for i in "${!BUILD_STAGES[@]}"; do
    [ "${BUILD_STAGES[$i]}" = "$1" ] && record=$(printf '%s/reports/stages/%02d-%s' "$WORK" "$((i + 1))" "$1")
  done
  if [ -z "$record" ]; then
    "stage_$1"
    return
  fi
  stage_config "$1" > "$record.config.new"
  : > "$record.commands.new"
  STAGE_COMMANDS="$record.commands.new" "stage_$1"
  mv "$record.config.new" "$record.config"
  mv "$record.commands.new" "$record.commands"
}
