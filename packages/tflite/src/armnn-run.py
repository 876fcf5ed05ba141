"""Runs a .tflite file through Arm NN's own TFLite parser (reference CPU backend): a reader that shares no code
with TFLite, for checking that our files mean the same thing elsewhere (DESIGN.md).

Usage: /usr/bin/python3 armnn-run.py MODEL.tflite < inputs.f32 > outputs.f32
stdin: the samples, float32 little-endian (token ids too), one model input after another; stdout: the first output of each, float32.
Debian: python3-pyarmnn libarmnn-cpuref-backend22.
"""
import sys

import numpy as np
import pyarmnn as ann


def main(path):
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(path)
    graph = 0
    input_name = parser.GetSubgraphInputTensorNames(graph)[0]
    output_name = parser.GetSubgraphOutputTensorNames(graph)[0]
    input_binding = parser.GetNetworkInputBindingInfo(graph, input_name)
    output_binding = parser.GetNetworkOutputBindingInfo(graph, output_name)
    options = ann.CreationOptions()
    # A runtime must stay alive while in use: destroying it unregisters the dynamic backend.
    options.m_DynamicBackendsPath = '/usr/lib/x86_64-linux-gnu/armnn22'
    runtime = ann.IRuntime(options)
    optimized, messages = ann.Optimize(network, [ann.BackendId('CpuRef')], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    network_id, _ = runtime.LoadNetwork(optimized)
    input_info = input_binding[1]
    size = input_info.GetNumElements()
    data = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32)
    if data.size % size:
        raise SystemExit(f'{data.size} floats on stdin is not a whole number of inputs of {size}')
    out = sys.stdout.buffer
    # Token ids come as floats like every other input; an int32 input tensor gets them as int32.
    dtype = np.int32 if input_info.GetDataType() == ann.DataType_Signed32 else np.float32
    for sample in data.reshape(-1, size):
        inputs = ann.make_input_tensors([input_binding], [np.ascontiguousarray(sample, dtype=dtype)])
        outputs = ann.make_output_tensors([output_binding])
        runtime.EnqueueWorkload(network_id, inputs, outputs)
        out.write(np.ascontiguousarray(ann.workload_tensors_to_ndarray(outputs)[0], dtype=np.float32).tobytes())
    out.flush()


if __name__ == '__main__':
    main(sys.argv[1])
