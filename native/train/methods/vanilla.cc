// Plain supervised training: CE(f(x), y).
#include <torch/torch.h>

#include "train/methods/registry.h"
#include "train/methods/single_classifier.h"

namespace adx {

namespace {

class Vanilla : public SingleClassifierMethod {
 public:
  using SingleClassifierMethod::SingleClassifierMethod;

  bool plans_steps() const override { return true; }

  // No draws: every step has the same kernels.
  std::optional<StepPlan> plan_step(int64_t, at::Generator&, const ForcedDraws&, int64_t) override {
    StepPlan plan;
    plan.key = "vanilla";
    plan.run = [this](const torch::Tensor& x, const torch::Tensor& y, const std::vector<torch::Tensor>&) {
      MethodOutput out;
      out.loss = torch::nn::functional::cross_entropy(model_->forward(x), y);
      return out;
    };
    return plan;
  }
};

}  // namespace

std::unique_ptr<TrainMethod> make_vanilla(const MethodOptions&, const ModelOptions& model, const LrSchedule&) {
  return std::make_unique<Vanilla>(model);
}

}  // namespace adx
