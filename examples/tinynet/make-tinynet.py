#!/usr/bin/python3
# make-tinynet.py: writes tinynet.onnx and input.npy, the demo model.
#
# A small image classifier shaped like the mobile CNNs the toolchain targets
# (3x3 conv + BN + ReLU, a depthwise conv with the decomposed HardSwish that
# paddle2onnx emits, a squeeze-excite block, max pooling, a 1x1 conv, global
# average pooling, a dynamic batch dim resolved through a shape subgraph, a
# Gemm and Softmax). Its weights are seeded pseudo-random numbers, not
# trained ones: the demo shows the tools, not accuracy.
#
# The committed files were made with Debian's python3-onnx 1.12 and
# python3-numpy; nothing in the build or the tests runs this script.
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(20261125)


def w(name, *shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    s = scale if scale is not None else (2.0 / fan_in) ** 0.5
    return numpy_helper.from_array((rng.standard_normal(shape) * s).astype(np.float32), name)


def c(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


inits = [
    w("conv1.w", 16, 3, 3, 3), c("bn1.scale", rng.uniform(0.5, 1.5, 16)),
    c("bn1.bias", rng.uniform(-0.2, 0.2, 16)), c("bn1.mean", rng.uniform(-0.1, 0.1, 16)),
    c("bn1.var", rng.uniform(0.5, 2.0, 16)),
    w("dw.w", 16, 1, 3, 3), c("dw.b", rng.uniform(-0.1, 0.1, 16)),
    c("three", 3.0), c("zero", 0.0), c("six", 6.0),
    w("se.fc1.w", 4, 16, 1, 1), c("se.fc1.b", np.zeros(4)),
    w("se.fc2.w", 16, 4, 1, 1), c("se.fc2.b", np.zeros(16)),
    w("pw.w", 32, 16, 1, 1), c("pw.b", rng.uniform(-0.1, 0.1, 32)),
    w("fc.w", 32, 10), c("fc.b", rng.uniform(-0.1, 0.1, 10)),
    c("minus1", [-1], np.int64), c("idx0", [0], np.int64),
]
nodes = [
    helper.make_node("Conv", ["x", "conv1.w"], ["c1"], name="conv1", kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("BatchNormalization", ["c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
                     ["b1"], name="bn1", epsilon=1e-5),
    helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
    helper.make_node("Conv", ["r1", "dw.w", "dw.b"], ["d1"], name="dwconv", kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1], group=16),
    # HardSwish as paddle2onnx writes it: x * clip(x + 3, 0, 6) / 6
    helper.make_node("Add", ["d1", "three"], ["hs.add"], name="hswish.add"),
    helper.make_node("Clip", ["hs.add", "zero", "six"], ["hs.clip"], name="hswish.clip"),
    helper.make_node("Mul", ["d1", "hs.clip"], ["hs.mul"], name="hswish.mul"),
    helper.make_node("Div", ["hs.mul", "six"], ["h1"], name="hswish.div"),
    # squeeze-excite
    helper.make_node("GlobalAveragePool", ["h1"], ["se.pool"], name="se.pool"),
    helper.make_node("Conv", ["se.pool", "se.fc1.w", "se.fc1.b"], ["se.f1"], name="se.fc1",
                     kernel_shape=[1, 1]),
    helper.make_node("Relu", ["se.f1"], ["se.r1"], name="se.relu"),
    helper.make_node("Conv", ["se.r1", "se.fc2.w", "se.fc2.b"], ["se.f2"], name="se.fc2",
                     kernel_shape=[1, 1]),
    helper.make_node("HardSigmoid", ["se.f2"], ["se.gate"], name="se.gate", alpha=0.2, beta=0.5),
    helper.make_node("Mul", ["h1", "se.gate"], ["se.out"], name="se.scale"),
    helper.make_node("MaxPool", ["se.out"], ["p1"], name="pool1", kernel_shape=[2, 2],
                     strides=[2, 2]),
    helper.make_node("Conv", ["p1", "pw.w", "pw.b"], ["pw"], name="pwconv", kernel_shape=[1, 1]),
    helper.make_node("Relu", ["pw"], ["pw.r"], name="pwrelu"),
    helper.make_node("GlobalAveragePool", ["pw.r"], ["gap"], name="gap"),
    # flatten through a shape subgraph, as exporters with a dynamic batch do
    helper.make_node("Shape", ["gap"], ["gap.shape"], name="flatten.shape"),
    helper.make_node("Gather", ["gap.shape", "idx0"], ["gap.n"], name="flatten.n", axis=0),
    helper.make_node("Concat", ["gap.n", "minus1"], ["flat.shape"], name="flatten.cat", axis=0),
    helper.make_node("Reshape", ["gap", "flat.shape"], ["flat"], name="flatten"),
    helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc"),
    helper.make_node("Softmax", ["logits"], ["prob"], name="softmax", axis=1),
]
graph = helper.make_graph(
    nodes, "tinynet",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 32, 32])],
    [helper.make_tensor_value_info("prob", TensorProto.FLOAT, ["batch", 10])], inits)
model = helper.make_model(graph, producer_name="bpu-ptq examples",
                          opset_imports=[helper.make_opsetid("", 11)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, "tinynet.onnx")
np.save("input.npy", rng.uniform(-1, 1, (1, 3, 32, 32)).astype(np.float32))
