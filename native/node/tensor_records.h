// Conversions between JS values and the trainer's host-side tensor results: named tensor records
// ({ name: { shape, values: Float32Array } }) and mixer results.
#pragma once

#include <napi.h>

#include <vector>

#include "train/trainer.h"

namespace adx::node {

Napi::Value tensor_record_to_js(Napi::Env env, const std::vector<HostTensor>& tensors);

// A float32 CPU tensor's values as a new Float32Array (made contiguous first).
Napi::Float32Array float32_array(Napi::Env env, const torch::Tensor& tensor);

// Copies the record's tensors (on the JS thread; the worker never touches V8 memory).
std::vector<HostTensor> read_tensor_record(const Napi::Value& value);

// One { shape, values: Float32Array } tensor; `name` goes into error messages.
HostTensor read_host_tensor(const std::string& name, const Napi::Value& entry);

// { heads: record, stages: record }.
Napi::Value forward_result_to_js(Napi::Env env, const ForwardResult& r);

Napi::Value mix_result_to_js(Napi::Env env, const MixResult& r);

// { tensors: record, rng: Uint8Array, counters: { name: number } } and back (copied on the JS
// thread; E_CHECKPOINT for a value of the wrong kind).
Napi::Value checkpoint_to_js(Napi::Env env, const Checkpoint& c);
Checkpoint read_checkpoint(const Napi::Value& value);

// { loaded, skipped: string[], defaulted: string[] }.
Napi::Value pretrained_report_to_js(Napi::Env env, const PretrainedReport& r);

}  // namespace adx::node
