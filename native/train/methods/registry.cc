#include "train/methods/registry.h"

#include "core/errors.h"

namespace adx {

MixPreview TrainMethod::preview(const torch::Tensor&, at::Generator&, const ForcedDraws&) {
  throw Error(ErrorCode::Config, "this method has no learned mask generator; mixers exist for automix and adautomix");
}

std::unique_ptr<TrainMethod> make_method(const MethodOptions& method, const ModelOptions& model,
                                         const LrSchedule& schedule) {
  if (method.name == "vanilla") return make_vanilla(method, model, schedule);
  if (method.name == "mixup") return make_mixup(method, model, schedule);
  if (method.name == "automix") return make_automix(method, model, schedule);
  if (method.name == "adautomix") return make_adautomix(method, model, schedule);
  throw Error(ErrorCode::Config,
              "unknown method '" + method.name + "'; available: vanilla, mixup, automix, adautomix");
}

}  // namespace adx
