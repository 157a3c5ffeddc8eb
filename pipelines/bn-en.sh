#!/usr/bin/env bash
# Bengali-English: raw documents -> aligned, filtered corpus -> tiny LM -> LoRA + TaCo tuning
# -> evaluation -> low-bit export -> native run. Every knob can be overridden from the
# environment (make test runs a small version this way); `make bn-en` reruns only the stages
# whose knobs or inputs changed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PAIR=bn-en
SRC=bn                                    # source language (the low-resource side)
TGT=en                                    # target language
SEED=${SEED:-1}                           # one seed for every stage that draws or shuffles
DOCS_DIR=${DOCS_DIR:-samples/tico19-bn-en}  # raw documents docs.<lang>.jsonl {"id","lang","text"}
WORK=${WORK:-out/$PAIR}                   # every intermediate and final file goes here

SEGMENT_OPTIONS=${SEGMENT_OPTIONS:---normalize}   # extra `lrtk segment` flags
ALIGN_ALIGNERS=${ALIGN_ALIGNERS:-lexical,embedding,length}  # offline aligners, most trusted first
ALIGN_COMBINE=${ALIGN_COMBINE:-majority}  # union | majority | intersection of the aligners' beads
FILTER_CONFIG=${FILTER_CONFIG:-}          # YAML filter chain; empty = the default offline chain
CORPUS_NAME=${CORPUS_NAME:-tico19-bn-en}  # names the data card data_cards/<name>.md
CORPUS_SOURCE=${CORPUS_SOURCE:-tico19}    # source name and licence recorded on the card
CORPUS_LICENCE=${CORPUS_LICENCE:-CC0-1.0}
CORPUS_DESCRIPTION=${CORPUS_DESCRIPTION:-TICO-19 COVID-19 documents in Bengali and English, segmented and aligned by lrtk.}
CORPUS_TEST=${CORPUS_TEST:-150}           # sentence pairs held out for evaluation
CORPUS_DEV=${CORPUS_DEV:-100}             # sentence pairs for the eval loss during training
CORPUS_EXCLUDE=${CORPUS_EXCLUDE-../shared/data/tatoeba_ben_eng/tatoeba-test-v2021-08-07.ben}  # eval sets kept out (skipped if absent)
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
TUNE_TACO_LANG=${TUNE_TACO_LANG:-bn}      # language of the TaCo chain's final response
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
RUN_PROMPT=${RUN_PROMPT:-করোনাভাইরাস}       # prompt of the generated sample
RUN_TOKENS=${RUN_TOKENS:-24}
RUN_TEMPERATURE=${RUN_TEMPERATURE:-0.7}   # 0 = greedy
RUN_BENCH_THREADS=${RUN_BENCH_THREADS:-1,2}  # tokens/s of the exported model at these thread counts
RUN_BENCH_PROMPT_TOKENS=${RUN_BENCH_PROMPT_TOKENS:-64}  # prefill length; with decode within TRAIN_SEQ_LEN
RUN_BENCH_DECODE_TOKENS=${RUN_BENCH_DECODE_TOKENS:-32}
SUMMARY_TITLE=${SUMMARY_TITLE:-bn-en on TICO-19}  # heads summary.md and report.html

source "$HERE/lib.sh"
pipeline_main "$@"
