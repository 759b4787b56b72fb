#include "node/arguments.h"

#include <cmath>
#include <string>

#include "core/errors.h"

namespace adx::node {

double number_argument(const Napi::CallbackInfo& info, size_t i, const char* name, double min, double max, bool integer) {
  const bool ok = info.Length() > i && info[i].IsNumber();
  const double v = ok ? info[i].As<Napi::Number>().DoubleValue() : std::nan("");
  if (!std::isfinite(v) || v < min || v > max || (integer && v != std::floor(v))) {
    throw Error(ErrorCode::Config, std::string("argument ") + name + " must be " + (integer ? "an integer" : "a number") +
                                       " in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return v;
}

}  // namespace adx::node
