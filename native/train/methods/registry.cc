#include "train/methods/registry.h"

#include "core/errors.h"

namespace adx {

std::unique_ptr<TrainMethod> make_method(const MethodOptions& options) {
  if (options.name == "vanilla") return make_vanilla(options);
  if (options.name == "mixup") return make_mixup(options);
  throw Error(ErrorCode::Config, "unknown method '" + options.name + "'; available: vanilla, mixup");
}

}  // namespace adx
