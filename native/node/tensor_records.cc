#include "node/tensor_records.h"

#include <algorithm>
#include <cmath>
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

std::vector<HostTensor> read_tensor_record(const Napi::Value& value) {
  if (!value.IsObject()) throw Error(ErrorCode::Config, "weights must be an object of { shape, values } tensors");
  auto o = value.As<Napi::Object>();
  auto names = o.GetPropertyNames();
  std::vector<HostTensor> out;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const auto name = names.Get(i).As<Napi::String>().Utf8Value();
    auto entry = o.Get(name);
    if (!entry.IsObject()) throw Error(ErrorCode::Config, "weights: '" + name + "' must be { shape, values }");
    auto shape = entry.As<Napi::Object>().Get("shape");
    auto values = entry.As<Napi::Object>().Get("values");
    if (!shape.IsArray() || !values.IsTypedArray() ||
        values.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Error(ErrorCode::Config, "weights: '" + name + "' needs shape: number[] and values: Float32Array");
    }
    HostTensor t{name, {}, {}};
    auto dims = shape.As<Napi::Array>();
    for (uint32_t d = 0; d < dims.Length(); ++d) {
      auto v = dims.Get(d);
      const double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(x >= 0 && x <= 1e12 && x == std::floor(x))) throw Error(ErrorCode::Shape, "weights: '" + name + "' has a bad shape");
      t.shape.push_back(static_cast<int64_t>(x));
    }
    auto data = values.As<Napi::Float32Array>();
    t.values.assign(data.Data(), data.Data() + data.ElementLength());
    out.push_back(std::move(t));
  }
  return out;
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

}  // namespace adx::node
