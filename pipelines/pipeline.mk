# Make targets for the language-pair pipelines, included by the Makefile: one target per
# pipelines/pairs/<pair>.conf, all run by pipelines/pair.sh <pair>.
#
# `make bn-en` runs every stage once, then prints the summary table and writes the HTML
# report $(OUT)/bn-en/report.html; each stage leaves a stamp in $(OUT)/bn-en/.stamps/.
# `make pairs` builds every pair, then prints one table comparing them ($(OUT)/pairs.md).
# A stage reruns when the stage before it reran or when its fingerprint changed: the
# fingerprint ($(OUT)/bn-en/.config/<stage>) is what `pipelines/pair.sh bn-en --config <stage>`
# prints (the stage's knobs, its shell code and the checksums of raw inputs), rewritten
# only when it differs, so editing TRAIN_STEPS reruns train and the stages after it only.
# The quality stage (segment, align and filter scored on the pair's own gold) stands apart:
# it reruns when its own fingerprint changes (which holds lrtk's segment, align and filter
# code), and nothing depends on it but the summary.
#
# Reproducibility: two clean builds give byte-identical segmented, aligned and filtered
# pairs, corpus files, data card, tokenizer and mixture plan. Training runs on the CPU with
# seeded initialisation, a seeded data stream and deterministic kernels, so lm/, tuned/ and
# model.lrtk come out identical on the same machine and torch build; across CPUs or torch
# versions floating-point summation order may differ, and only those files may differ.

PIPELINE_STAGES := segment align filter corpus tokenizer sample train tune eval export run
PIPELINE_PAIRS := $(patsubst pipelines/pairs/%.conf,%,$(wildcard pipelines/pairs/*.conf))
PIPELINE_ENV = PATH="$(CURDIR)/$(VENV)/bin:$$$$PATH" PYTHON="$(CURDIR)/$(PY)" WORK="$(OUT)/$(1)"

# $(call pipeline_stage,PAIR,STAGE,PREVIOUS_STAGE)
define pipeline_stage
$(OUT)/$(1)/.stamps/$(2): $(if $(3),$(OUT)/$(1)/.stamps/$(3)) $(OUT)/$(1)/.config/$(2) | $(STAMP)
	$(call PIPELINE_ENV,$(1)) pipelines/pair.sh $(1) $(2)
	@mkdir -p $$(@D) && touch $$@
endef

# $(call pipeline_pair,PAIR): the pair's build, ending with its summary table and the path
# of its HTML report (`lrtk report`).
define pipeline_pair
.PHONY: $(1)
$(1): $(OUT)/$(1)/report.html
	@cat $(OUT)/$(1)/summary.md
	@echo "report: $$<"

$(OUT)/$(1)/summary.md: $(OUT)/$(1)/.stamps/run $(OUT)/$(1)/.stamps/quality
	$(call PIPELINE_ENV,$(1)) pipelines/pair.sh $(1) summary >/dev/null

$(OUT)/$(1)/report.html: $(OUT)/$(1)/summary.md
	$(call PIPELINE_ENV,$(1)) pipelines/pair.sh $(1) report

$(OUT)/$(1)/.config/%: FORCE
	@mkdir -p $$(@D)
	@$(call PIPELINE_ENV,$(1)) pipelines/pair.sh $(1) --config $$* > $$@.new
	@if cmp -s $$@.new $$@; then rm $$@.new; else mv $$@.new $$@; fi

$(foreach i,$(shell seq 1 $(words $(PIPELINE_STAGES))),$(eval $(call pipeline_stage,$(1),$(word $(i),$(PIPELINE_STAGES)),$(if $(filter 1,$(i)),,$(word $(shell expr $(i) - 1),$(PIPELINE_STAGES))))))
$(eval $(call pipeline_stage,$(1),quality,))
endef

$(foreach pair,$(PIPELINE_PAIRS),$(eval $(call pipeline_pair,$(pair))))

# Every pair (each target prints its own table and report path), then the table across
# pairs, rewritten from their reports each time.
.PHONY: pairs
pairs: $(PIPELINE_PAIRS)
	@$(PY) -m lrtk.pipeline_summary --pairs $(PIPELINE_PAIRS:%=$(OUT)/%) -o $(OUT)/pairs.md

.PHONY: FORCE
FORCE:

# `make pairs`, then the tables in README.md (compact) and docs/pipelines.md (full) rewritten
# in place from the builds: the per-pair figures in the docs are always this command's output.
.PHONY: pairs-docs
pairs-docs: pairs
	@$(PY) -m lrtk.pipeline_summary --pairs $(PIPELINE_PAIRS:%=$(OUT)/%) --update README.md docs/pipelines.md >/dev/null
