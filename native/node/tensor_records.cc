#include "node/tensor_records.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/errors.h"

namespace adx::node {

namespace {

Napi::Array number_array(Napi::Env env, const std::vector<int64_t>& values) {
  auto a = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) a.Set(static_cast<uint32_t>(i), static_cast<double>(values[i]));
  return a;
}

Napi::Float32Array float_array(Napi::Env env, const std::vector<float>& values) {
  auto a = Napi::Float32Array::New(env, values.size());
  std::copy(values.begin(), values.end(), a.Data());
  return a;
}

}  // namespace

Napi::Float32Array float32_array(Napi::Env env, const torch::Tensor& tensor) {
  const auto t = tensor.contiguous();
  auto out = Napi::Float32Array::New(env, static_cast<size_t>(t.numel()));
  std::memcpy(out.Data(), t.data_ptr<float>(), sizeof(float) * static_cast<size_t>(t.numel()));
  return out;
}

Napi::Value tensor_record_to_js(Napi::Env env, const std::vector<HostTensor>& tensors) {
  auto o = Napi::Object::New(env);
  for (const auto& t : tensors) {
    auto entry = Napi::Object::New(env);
    entry.Set("shape", number_array(env, t.shape));
    entry.Set("values", float_array(env, t.values));
    o.Set(t.name, entry);
  }
  return o;
}

HostTensor read_host_tensor(const std::string& name, const Napi::Value& entry) {
  if (!entry.IsObject()) throw Error(ErrorCode::Config, "'" + name + "' must be { shape, values }");
  auto shape = entry.As<Napi::Object>().Get("shape");
  auto values = entry.As<Napi::Object>().Get("values");
  if (!shape.IsArray() || !values.IsTypedArray() ||
      values.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Error(ErrorCode::Config, "'" + name + "' needs shape: number[] and values: Float32Array");
  }
  HostTensor t{name, {}, {}};
  auto dims = shape.As<Napi::Array>();
  double numel = 1;
  for (uint32_t d = 0; d < dims.Length(); ++d) {
    auto v = dims.Get(d);
    const double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(x >= 0 && x <= 1e12 && x == std::floor(x))) throw Error(ErrorCode::Shape, "'" + name + "' has a bad shape");
    t.shape.push_back(static_cast<int64_t>(x));
    numel *= x;
  }
  auto data = values.As<Napi::Float32Array>();
  if (numel != static_cast<double>(data.ElementLength())) {
    throw Error(ErrorCode::Shape, "'" + name + "' holds " + std::to_string(data.ElementLength()) +
                                      " values, its shape says " + std::to_string(static_cast<int64_t>(numel)));
  }
  t.values.assign(data.Data(), data.Data() + data.ElementLength());
  return t;
}

std::vector<HostTensor> read_tensor_record(const Napi::Value& value) {
  if (!value.IsObject()) throw Error(ErrorCode::Config, "weights must be an object of { shape, values } tensors");
  auto o = value.As<Napi::Object>();
  auto names = o.GetPropertyNames();
  std::vector<HostTensor> out;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const auto name = names.Get(i).As<Napi::String>().Utf8Value();
    out.push_back(read_host_tensor("weights: " + name, o.Get(name)));
    out.back().name = name;
  }
  return out;
}

Napi::Value forward_result_to_js(Napi::Env env, const ForwardResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("heads", tensor_record_to_js(env, r.heads));
  o.Set("stages", tensor_record_to_js(env, r.stages));
  return o;
}

Napi::Value mix_result_to_js(Napi::Env env, const MixResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("sources", static_cast<double>(r.sources));
  o.Set("masks", float_array(env, r.masks));
  o.Set("maskShape", number_array(env, {r.n, r.sources, r.h, r.w}));
  o.Set("mixed", float_array(env, r.mixed));
  o.Set("mixedShape", number_array(env, {r.n, r.c, r.h, r.w}));
  auto pixels = Napi::Uint8Array::New(env, r.mixed_images.size());
  std::copy(r.mixed_images.begin(), r.mixed_images.end(), pixels.Data());
  o.Set("mixedImages", pixels);
  o.Set("imageShape", number_array(env, {r.n, r.h, r.w, r.c}));
  auto lambdas = Napi::Array::New(env, r.draws.lambdas.size());
  for (size_t i = 0; i < r.draws.lambdas.size(); ++i) lambdas.Set(static_cast<uint32_t>(i), r.draws.lambdas[i]);
  o.Set("lambdas", lambdas);
  auto perms = Napi::Array::New(env, r.draws.permutations.size());
  for (size_t i = 0; i < r.draws.permutations.size(); ++i) {
    perms.Set(static_cast<uint32_t>(i), number_array(env, r.draws.permutations[i]));
  }
  o.Set("permutations", perms);
  return o;
}

Napi::Value checkpoint_to_js(Napi::Env env, const Checkpoint& c) {
  auto o = Napi::Object::New(env);
  o.Set("tensors", tensor_record_to_js(env, c.tensors));
  auto rng = Napi::Uint8Array::New(env, c.rng.size());
  std::copy(c.rng.begin(), c.rng.end(), rng.Data());
  o.Set("rng", rng);
  auto counters = Napi::Object::New(env);
  for (const auto& [name, value] : c.counters) counters.Set(name, static_cast<double>(value));
  o.Set("counters", counters);
  return o;
}

Checkpoint read_checkpoint(const Napi::Value& value) {
  if (!value.IsObject()) throw Error(ErrorCode::Checkpoint, "a checkpoint must be { tensors, rng, counters }");
  auto o = value.As<Napi::Object>();
  Checkpoint c;
  c.tensors = read_tensor_record(o.Get("tensors"));
  auto rng = o.Get("rng");
  if (!rng.IsTypedArray() || rng.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Error(ErrorCode::Checkpoint, "a checkpoint's rng must be a Uint8Array");
  }
  auto bytes = rng.As<Napi::Uint8Array>();
  c.rng.assign(bytes.Data(), bytes.Data() + bytes.ElementLength());
  auto counters = o.Get("counters");
  if (!counters.IsObject()) throw Error(ErrorCode::Checkpoint, "a checkpoint's counters must be an object of integers");
  auto names = counters.As<Napi::Object>().GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const auto name = names.Get(i).As<Napi::String>().Utf8Value();
    auto v = counters.As<Napi::Object>().Get(name);
    const double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : std::nan("");
    if (!(std::abs(x) <= 9007199254740991.0 && x == std::floor(x))) {
      throw Error(ErrorCode::Checkpoint, "the checkpoint's counter '" + name + "' is not an integer");
    }
    c.counters.emplace_back(name, static_cast<int64_t>(x));
  }
  return c;
}

Napi::Value pretrained_report_to_js(Napi::Env env, const PretrainedReport& r) {
  auto names = [env](const std::vector<std::string>& list) {
    auto a = Napi::Array::New(env, list.size());
    for (uint32_t i = 0; i < list.size(); ++i) a.Set(i, list[i]);
    return a;
  };
  auto o = Napi::Object::New(env);
  o.Set("loaded", static_cast<double>(r.loaded));
  o.Set("skipped", names(r.skipped));
  o.Set("defaulted", names(r.defaulted));
  return o;
}

}  // namespace adx::node
