#include "binding/mask_binding.h"

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/compat.h"
#include "core/errors.h"
#include "mix/classic/grid_labelling.h"
#include "mix/classic/masks.h"
#include "node/arguments.h"
#include "node/tensor_records.h"

namespace adx::node {

namespace {

std::vector<double> doubles(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Error(ErrorCode::Config, std::string("solveGridLabels: ") + name + " must be a Float64Array");
  }
  auto a = info[i].As<Napi::Float64Array>();
  return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
}

}  // namespace

Napi::Value solve_grid_labels(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    GridLabelProblem p;
    p.rows = static_cast<int64_t>(number_argument(info, 0, "rows", 1, 4096, true));
    p.cols = static_cast<int64_t>(number_argument(info, 1, "cols", 1, 4096, true));
    p.unary = doubles(info, 2, "unary");
    p.weight_down = doubles(info, 3, "weightDown");
    p.weight_right = doubles(info, 4, "weightRight");
    const auto labels = solve_three_labels(p);
    auto out = Napi::Object::New(env);
    auto array = Napi::Int32Array::New(env, labels.size());
    for (size_t i = 0; i < labels.size(); ++i) array[i] = labels[i];
    out.Set("labels", array);
    out.Set("energy", labelling_energy(p, labels));
    return out;
  });
}

Napi::Value fmix_grey(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Napi::Env env) -> Napi::Value {
    const auto h = static_cast<int64_t>(number_argument(info, 0, "height", 1, 4096, true));
    const auto w = static_cast<int64_t>(number_argument(info, 1, "width", 1, 4096, true));
    const double decay = number_argument(info, 2, "decay", 1e-6, 100, false);
    const auto seed = static_cast<uint64_t>(number_argument(info, 3, "seed", 0, 9007199254740991.0, true));
    auto gen = compat::make_cpu_generator(seed);
    return float32_array(env, adx::fmix_grey(h, w, decay, gen));
  });
}

}  // namespace adx::node
