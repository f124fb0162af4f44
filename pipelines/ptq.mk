# pipelines/ptq.mk: a float ONNX model and calibration samples to a
# quantized IR and its accuracy report, one tool per stage:
#
#   onnx2ir -> ir-fuse -> ir-partition -> calib-stats -> calib-search
#           -> ir-quant -> ir-diff
#
#   make -f pipelines/ptq.mk MODEL=cls.onnx INPUT_SHAPE=x=1x3x48x192 \
#        CAL=cal/ HELD=held/ METHOD=percentile CALIB_FLAGS='--per-channel' \
#        OUT=build/cls
#
# Every stage's file stays in OUT, so any one can be inspected (ir-dis),
# diffed or replaced by hand and the rest rebuilt by make:
#
#   OUT/float.ir       onnx2ir                 the imported model
#   OUT/fused.ir       ir-fuse                 patterns fused, BN folded
#   OUT/part.ir        ir-partition --march    placed on BPU/CPU
#   OUT/partition.txt                          the placement report
#   OUT/calib.stats    calib-stats --data CAL  formats/stats.md
#   OUT/TAG/thresholds.txt  calib-search       formats/thresholds.md
#   OUT/TAG/quant.ir   ir-quant                the integer model
#   OUT/TAG/accuracy.txt    ir-diff --data HELD  per-node cosine table
#
# TAG (default: METHOD) names one calibration choice, so several methods
# share the stages before calib-search: `make ... METHOD=kl TAG=kl-asym
# CALIB_FLAGS='--per-channel --asymmetric'`. Changing METHOD or CALIB_FLAGS
# for a TAG rebuilds its files. Tools are taken from PATH, or from BIN
# (`BIN=build/bin/`). Several models build at once with `make -j`, each with
# its own OUT.

ifndef MODEL
$(error pipelines/ptq.mk: set MODEL=path/to/model.onnx)
endif
ifndef CAL
$(error pipelines/ptq.mk: set CAL=DIR (calibration samples, as calib-stats --data takes them))
endif

OUT         ?= build/ptq
MARCH       ?= bpu-s
METHOD      ?= max
CALIB_FLAGS ?= --per-channel
TAG         ?= $(METHOD)
HELD        ?= $(CAL)
INPUT_SHAPE ?=
FUSE_FLAGS  ?=
BIN         ?=

# the samples: .npy files in CAL (or in one sub-directory per input)
CAL_FILES := $(wildcard $(CAL)/*.npy $(CAL)/*/*.npy)
ifeq ($(CAL_FILES),)
ifeq ($(wildcard $(CAL)),)
$(error pipelines/ptq.mk: CAL=$(CAL): no such directory)
endif
endif

T := $(OUT)/$(TAG)

.PHONY: ptq ptq-clean
.DELETE_ON_ERROR:

ptq: $(T)/quant.ir $(T)/accuracy.txt

$(OUT)/float.ir: $(MODEL)
	@mkdir -p $(OUT)
	$(BIN)onnx2ir $(if $(INPUT_SHAPE),--input-shape $(INPUT_SHAPE)) $< -o $@

$(OUT)/fused.ir: $(OUT)/float.ir
	$(BIN)ir-fuse $(FUSE_FLAGS) $< -o $@

$(OUT)/part.ir $(OUT)/partition.txt &: $(OUT)/fused.ir
	$(BIN)ir-partition --march $(MARCH) --report $(OUT)/partition.txt $< -o $(OUT)/part.ir

$(OUT)/calib.stats: $(OUT)/part.ir $(CAL_FILES)
	$(BIN)calib-stats $< --data $(CAL) -o $@

# the calibration choice of this TAG, rewritten only when it changes
$(T)/settings: FORCE
	@mkdir -p $(T)
	@echo 'calib-search --method $(METHOD) $(CALIB_FLAGS)' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(T)/thresholds.txt: $(OUT)/calib.stats $(T)/settings
	$(BIN)calib-search $(OUT)/part.ir --stats $< --method $(METHOD) $(CALIB_FLAGS) -o $@

$(T)/quant.ir: $(T)/thresholds.txt $(OUT)/part.ir
	$(BIN)ir-quant --thresholds $< $(OUT)/part.ir -o $@

HELD_FILES := $(wildcard $(HELD)/*.npy $(HELD)/*/*.npy)

# (a failed ir-diff leaves no report: .DELETE_ON_ERROR)
$(T)/accuracy.txt: $(T)/quant.ir $(HELD_FILES)
	$(BIN)ir-diff $(OUT)/part.ir $< --data $(HELD) > $@

ptq-clean:
	rm -rf $(OUT)

FORCE:
