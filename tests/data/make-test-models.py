#!/usr/bin/python3
# make-test-models.py: writes the small ONNX models and .npy files the bats
# suites (tests/bats/*.bats) use. Run it from anywhere; it writes next to
# itself. The committed outputs were made with Debian's python3-onnx 1.12 and
# python3-numpy; the tests only read them and never run this script.
#
#   unsupported.onnx       Einsum (an op onnx2ir does not import), opset 12
#   clip-inputs.onnx       Clip whose min/max are graph inputs (needs --freeze)
#     clip-min.npy, clip-max.npy, clip-x.npy, clip-expected.npy
#   ext/ext.onnx           Gemm + Relu with every initializer in ext/weights.bin
#     ext-x.npy, ext-expected.npy
#   small-input.npy, small-expected.npy
#                          input and numpy's output for small.ir.txt (written by
#                          hand; this script only computes what it should give)
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261126)


def path(*p):
    return os.path.join(here, *p)


def finish(graph, opset, file, **save):
    model = helper.make_model(graph, producer_name="bpu-ptq tests",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save_model(model, file, **save)


# An op outside formats/ir.md's table: onnx2ir must exit 3 naming it.
finish(helper.make_graph(
    [helper.make_node("Einsum", ["x"], ["y"], name="mix", equation="ij->ji")],
    "unsupported",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2])]),
    12, path("unsupported.onnx"))

# Clip with run-time bounds (opset 11 takes min/max as inputs): onnx2ir can
# only import it with --freeze min=FILE max=FILE.
finish(helper.make_graph(
    [helper.make_node("Clip", ["x", "min", "max"], ["y"], name="clamp")],
    "clip-inputs",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8]),
     helper.make_tensor_value_info("min", TensorProto.FLOAT, []),
     helper.make_tensor_value_info("max", TensorProto.FLOAT, [])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])]),
    11, path("clip-inputs.onnx"))
lo, hi = np.float32(-0.25), np.float32(0.5)
cx = rng.uniform(-1, 1, (1, 8)).astype(np.float32)
np.save(path("clip-min.npy"), np.array(lo, np.float32))
np.save(path("clip-max.npy"), np.array(hi, np.float32))
np.save(path("clip-x.npy"), cx)
np.save(path("clip-expected.npy"), np.clip(cx, lo, hi))

# External tensor data: every initializer (size_threshold=0) in one file,
# ext/weights.bin, which the model names relative to its own directory.
os.makedirs(path("ext"), exist_ok=True)
ew = rng.standard_normal((8, 4)).astype(np.float32)
eb = rng.uniform(-0.5, 0.5, 4).astype(np.float32)
finish(helper.make_graph(
    [helper.make_node("Gemm", ["x", "w", "b"], ["g"], name="fc"),
     helper.make_node("Relu", ["g"], ["y"], name="relu")],
    "ext",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
    [numpy_helper.from_array(ew, "w"), numpy_helper.from_array(eb, "b")]),
    13, path("ext", "ext.onnx"), save_as_external_data=True,
    all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
ex = rng.uniform(-1, 1, (2, 8)).astype(np.float32)
np.save(path("ext-x.npy"), ex)
np.save(path("ext-expected.npy"), np.maximum(ex @ ew + eb, 0).astype(np.float32))

# small.ir.txt: conv1 (1x1, 3->2, with bias), relu1, pool1 (MaxPool 2x2/2).
sw = np.array([0.5, -1.0, 0.25, 1.0, 2.0, -0.5], np.float32).reshape(2, 3)
sb = np.array([0.0, 0.1], np.float32)
sx = rng.uniform(-1, 1, (1, 3, 4, 4)).astype(np.float32)
conv = np.einsum("oc,nchw->nohw", sw, sx) + sb.reshape(1, 2, 1, 1)
relu = np.maximum(conv, 0)
pool = relu.reshape(1, 2, 2, 2, 2, 2).max(axis=(3, 5))
np.save(path("small-input.npy"), sx)
np.save(path("small-expected.npy"), pool.astype(np.float32))
