# pipelines/calib.mk: calibration statistics at scale, sharded under GNU
# parallel on local cores or on the ssh logins of an sshloginfile, merged
# into the bytes one `calib-stats PART --data CAL` writes
# (pipelines/calib-parallel.sh does the work; its header says how):
#
#   make -f pipelines/calib.mk PART=build/det/part.ir CAL=cal OUT=build/det/calib.stats \
#        SHARDS=8 JOBS=8
#   make -f pipelines/calib.mk PART=build/det/part.ir CAL=cal SHARDS=32 \
#        SSHLOGINFILE=hosts.txt REMOTE_BIN=/opt/bpu-ptq/bin
#
# Variables:
#   PART          the partitioned IR (ir-partition's output)
#   CAL           the samples: a directory of .npy files (or one sub-directory per
#                 input), or with SHARED=1 also a list file
#   OUT           the statistics file (default: calib.stats next to PART, which is
#                 where pipelines/ptq.mk looks for it: run this first, then ptq.mk
#                 with the same OUT directory, and ptq.mk takes the file as built)
#   SHARDS        number of shards (default: the job slots)
#   JOBS          shards at once, here or on each ssh login (default: cores, or the
#                 login's N/ prefix)
#   THREADS       calib-stats --threads per shard (default 1)
#   SSHLOGINFILE  GNU parallel's sshloginfile: run the shards on those machines
#   SHARED        1: PART, CAL and OUT's directory are at the same absolute path on
#                 every machine; otherwise parallel transfers PART and CAL
#                 (--basefile) and brings the shards back (--return, --cleanup)
#   REMOTE_BIN    calib-stats' directory on the ssh logins (default: their PATH)
#   BIN           calib-stats' directory here (default: PATH), as in ptq.mk
#   KEEP_SHARDS   a directory to keep the shard files in (also after a failure)
#
# The result does not depend on SHARDS, JOBS, THREADS or the machines, so
# changing them rebuilds nothing. A failed shard, an unreachable login or a
# failed merge leaves no OUT (and .DELETE_ON_ERROR removes a half-written one).

CALIB_PARALLEL := $(dir $(lastword $(MAKEFILE_LIST)))calib-parallel.sh

ifndef PART
$(error pipelines/calib.mk: set PART=path/to/part.ir (ir-partition's output))
endif
ifndef CAL
$(error pipelines/calib.mk: set CAL=DIR (calibration samples, as calib-stats --data takes them))
endif
ifeq ($(wildcard $(CAL)),)
$(error pipelines/calib.mk: CAL=$(CAL): no such directory or list file)
endif

OUT          ?= $(dir $(PART))calib.stats
SHARDS       ?=
JOBS         ?=
THREADS      ?=
SSHLOGINFILE ?=
SHARED       ?=
REMOTE_BIN   ?=
BIN          ?=
KEEP_SHARDS  ?=

# the samples (a directory), or the list file and nothing else (make cannot
# see into it)
CAL_FILES := $(if $(wildcard $(CAL)/.),$(wildcard $(CAL)/*.npy $(CAL)/*/*.npy),$(CAL))

.PHONY: calib calib-clean
.DELETE_ON_ERROR:

calib: $(OUT)

# calib-parallel.sh's options from the variables above
CALIB_PARALLEL_FLAGS = $(strip $(if $(SHARDS),-n $(SHARDS)) $(if $(JOBS),-j $(JOBS)) \
	$(if $(THREADS),--threads $(THREADS)) $(if $(SSHLOGINFILE),--sshloginfile $(SSHLOGINFILE)) \
	$(if $(filter-out 0 no,$(SHARED)),--shared) $(if $(REMOTE_BIN),--remote-bin $(REMOTE_BIN)) \
	$(if $(BIN),--bin $(BIN)) $(if $(KEEP_SHARDS),--keep-shards $(KEEP_SHARDS)))

$(OUT): $(PART) $(CAL_FILES) $(SSHLOGINFILE)
	@mkdir -p $(dir $@)
	bash $(CALIB_PARALLEL) $(PART) --data $(CAL) -o $@ $(CALIB_PARALLEL_FLAGS)

calib-clean:
	rm -f $(OUT)
