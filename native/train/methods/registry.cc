#include "train/methods/registry.h"

#include "core/errors.h"
#include "train/methods/classic_mixer.h"

namespace adx {

MethodOutput TrainMethod::loss(const torch::Tensor& x, const torch::Tensor& y, at::Generator& gen,
                               const ForcedDraws& forced, int64_t step) {
  const auto plan = plan_step(x.size(0), gen, forced, step);
  if (!plan) throw Error(ErrorCode::Native, "this training method has neither a loss nor a step plan");
  return run_plan_eagerly(*plan, x, y);
}

MixPreview TrainMethod::preview(const torch::Tensor&, at::Generator&, const ForcedDraws&) {
  throw Error(ErrorCode::Config, "vanilla training does not mix; mixers exist for the mixing methods");
}

std::unique_ptr<TrainMethod> make_method(const MethodOptions& method, const ModelOptions& model,
                                         const LrSchedule& schedule) {
  if (method.name == "vanilla") return make_vanilla(method, model, schedule);
  if (method.name == "classic" || is_classic_method(method.name)) return make_classic(method, model, schedule);
  if (method.name == "automix") return make_automix(method, model, schedule);
  if (method.name == "adautomix") return make_adautomix(method, model, schedule);
  throw Error(ErrorCode::Config,
              "unknown method '" + method.name + "'; available: vanilla, automix, adautomix, classic, " +
                  classic_method_names());
}

}  // namespace adx
