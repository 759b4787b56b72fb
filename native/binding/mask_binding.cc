#include "binding/mask_binding.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <string>

#include "core/compat.h"
#include "core/errors.h"
#include "mix/classic/masks.h"
#include "node/js_error.h"

namespace adx::node {

namespace {

double number_argument(const Napi::CallbackInfo& info, size_t i, const char* name, double min, double max, bool integer) {
  const bool ok = info.Length() > i && info[i].IsNumber();
  const double v = ok ? info[i].As<Napi::Number>().DoubleValue() : std::nan("");
  if (!std::isfinite(v) || v < min || v > max || (integer && v != std::floor(v))) {
    throw Error(ErrorCode::Config, std::string("fmixGrey: ") + name + " must be " + (integer ? "an integer" : "a number") +
                                       " in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return v;
}

}  // namespace

Napi::Value fmix_grey(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  try {
    const auto h = static_cast<int64_t>(number_argument(info, 0, "height", 1, 4096, true));
    const auto w = static_cast<int64_t>(number_argument(info, 1, "width", 1, 4096, true));
    const double decay = number_argument(info, 2, "decay", 1e-6, 100, false);
    const auto seed = static_cast<uint64_t>(number_argument(info, 3, "seed", 0, 9007199254740991.0, true));
    auto gen = compat::make_cpu_generator(seed);
    const auto grey = adx::fmix_grey(h, w, decay, gen).contiguous();
    auto out = Napi::Float32Array::New(env, static_cast<size_t>(grey.numel()));
    std::memcpy(out.Data(), grey.data_ptr<float>(), sizeof(float) * static_cast<size_t>(grey.numel()));
    return out;
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    rethrow_as_js(env);
  }
}

}  // namespace adx::node
