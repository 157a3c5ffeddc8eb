#!/usr/bin/env bash
# One language pair's build: raw documents -> aligned, filtered corpus -> tiny LM -> LoRA +
# TaCo tuning -> evaluation -> low-bit export -> native run.
#
#   pipelines/pair.sh PAIR [STAGE...]         e.g. pipelines/pair.sh ne-en, pipelines/pair.sh si-en align filter
#   pipelines/pair.sh PAIR --config STAGE     the stage's fingerprint (what Make compares)
#
# PAIR names pipelines/pairs/PAIR.conf, which holds what differs between pairs: the language
# codes, the sample documents, where they come from and their licence, the eval sets kept out,
# the split sizes and the prompt of the generated sample. Everything language-specific in the
# stages (segmentation rules, scripts, language ID) comes from lrtk's language tables through
# SRC and TGT. The knobs below are the same for every pair. Every knob, the pair's included,
# can be overridden from the environment (make test runs a small version this way); `make
# PAIR` reruns only the stages whose knobs or inputs changed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PAIR=${1:-}
PAIR_CONF=$HERE/pairs/$PAIR.conf
if [ -z "$PAIR" ] || [ ! -f "$PAIR_CONF" ]; then
  pairs=$(cd "$HERE/pairs" && ls -- *.conf | sed 's/\.conf$//' | tr '\n' ' ')
  [ -z "$PAIR" ] || echo "pipelines/pair.sh: no pair '$PAIR' (no $PAIR_CONF)" >&2
  echo "usage: pipelines/pair.sh PAIR [STAGE...] | PAIR --config STAGE (pairs: ${pairs% })" >&2
  exit 2
fi
shift
# shellcheck source=pipelines/pairs/bn-en.conf
source "$PAIR_CONF"

SEED=${SEED:-1}                           # one seed for every stage that draws or shuffles
WORK=${WORK:-out/$PAIR}                   # every intermediate and final file goes here

SEGMENT_OPTIONS=${SEGMENT_OPTIONS:---normalize}   # extra `lrtk segment` flags
ALIGN_ALIGNERS=${ALIGN_ALIGNERS:-lexical,embedding,length}  # offline aligners, most trusted first
ALIGN_COMBINE=${ALIGN_COMBINE:-majority}  # union | majority | intersection of the aligners' beads
FILTER_CONFIG=${FILTER_CONFIG:-}          # YAML filter chain; empty = the default offline chain
CORPUS_CARD=${CORPUS_CARD:-data_cards/$CORPUS_NAME.md}
TOKENIZER_VOCAB=${TOKENIZER_VOCAB:-2000}  # joint sentencepiece vocabulary
TOKENIZER_TYPE=${TOKENIZER_TYPE:-unigram} # unigram | bpe
SAMPLE_TAU=${SAMPLE_TAU:-5}               # cooldown: temperature before the switch ...
SAMPLE_TAU_END=${SAMPLE_TAU_END:-1}       # ... and after it (Li et al. 2025: 5 -> 1)
SAMPLE_SWITCH=${SAMPLE_SWITCH:-0.9}       # switch where WSD's decay starts (last 10% of steps)
TRAIN_LAYERS=${TRAIN_LAYERS:-4}           # tiny Llama: minutes on 2 cores
TRAIN_HIDDEN=${TRAIN_HIDDEN:-128}
TRAIN_HEADS=${TRAIN_HEADS:-4}
TRAIN_KV_HEADS=${TRAIN_KV_HEADS:-2}       # grouped-query attention
TRAIN_INTERMEDIATE=${TRAIN_INTERMEDIATE:-384}  # FFN width: a multiple of EXPORT_GROUP_SIZE
TRAIN_SEQ_LEN=${TRAIN_SEQ_LEN:-128}
TRAIN_STEPS=${TRAIN_STEPS:-400}
TRAIN_BATCH=${TRAIN_BATCH:-16}
TRAIN_LR=${TRAIN_LR:-0.002}
TRAIN_EVAL_EVERY=${TRAIN_EVAL_EVERY:-50}  # held-out loss every N steps (the report's curves)
SAMPLE_BUDGET=$((TRAIN_STEPS * TRAIN_BATCH))  # examples the LM sees: steps x batch
TUNE_TACO_LANG=${TUNE_TACO_LANG:-$SRC}    # language of the TaCo chain's final response
TUNE_LORA_R=${TUNE_LORA_R:-32}            # TaCo's adapter: LoRA r=32, alpha=64, dropout 0.05
TUNE_LORA_ALPHA=${TUNE_LORA_ALPHA:-64}
TUNE_LORA_DROPOUT=${TUNE_LORA_DROPOUT:-0.05}
TUNE_LORA_TARGETS=${TUNE_LORA_TARGETS:-q, k, v}
TUNE_TRANSLATION_STEPS=${TUNE_TRANSLATION_STEPS:-150}
TUNE_TACO_STEPS=${TUNE_TACO_STEPS:-60}
TUNE_LR=${TUNE_LR:-0.001}
EVAL_METRICS=${EVAL_METRICS:-bleu,chrf}
EVAL_MAX_NEW_TOKENS=${EVAL_MAX_NEW_TOKENS:-32}
EXPORT_BITS=${EXPORT_BITS:-4}             # 1-4, ternary, or f32 to compare with the HF model
EXPORT_GROUP_SIZE=${EXPORT_GROUP_SIZE:-64}
EXPORT_FORMATS=${EXPORT_FORMATS:-lrtk}    # lrtk,gguf also writes model.gguf for llama.cpp
EXPORT_GGUF_BITS=${EXPORT_GGUF_BITS:-4}   # its linear layers: f32, f16, 8 (Q8_0), 4 (Q4_0), ...
EXPORT_COMPARE_BITS=${EXPORT_COMPARE_BITS:-2 f32}  # also exported, only to compare sizes
RUN_TOKENS=${RUN_TOKENS:-24}
RUN_TEMPERATURE=${RUN_TEMPERATURE:-0.7}   # 0 = greedy
RUN_BENCH_THREADS=${RUN_BENCH_THREADS:-1,2}  # tokens/s of the exported model at these thread counts
RUN_BENCH_PROMPT_TOKENS=${RUN_BENCH_PROMPT_TOKENS:-64}  # prefill length; with decode within TRAIN_SEQ_LEN
RUN_BENCH_DECODE_TOKENS=${RUN_BENCH_DECODE_TOKENS:-32}
QUALITY_DATA=${QUALITY_DATA-../shared/data}  # the quality stage's gold (QUALITY_SET of the pair's config); skipped when absent
QUALITY_DOCUMENTS=${QUALITY_DOCUMENTS:-0}  # score on the first N documents of the set (0: all)

source "$HERE/lib.sh"
pipeline_main "$@"
