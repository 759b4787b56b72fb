#include "train/step_plan.h"

#include "core/host_to_device.h"
#include "train/method.h"

namespace adx {

std::vector<torch::Tensor> plan_inputs_on(const StepPlan& plan, const torch::Device& device) {
  std::vector<torch::Tensor> out;
  out.reserve(plan.inputs.size());
  for (const auto& t : plan.inputs) out.push_back(to_device_async(t, device));
  return out;
}

void add_plan_summary(const StepPlan& plan, MethodOutput& out) {
  out.lambda = plan.lambda;
  out.sources = plan.sources;
  out.adversarial = plan.adversarial;
}

MethodOutput run_plan_eagerly(const StepPlan& plan, const torch::Tensor& x, const torch::Tensor& y) {
  auto out = plan.run(x, y, plan_inputs_on(plan, x.device()));
  add_plan_summary(plan, out);
  return out;
}

}  // namespace adx
