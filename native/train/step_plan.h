// A training step split into a host part and a device part, so that the device part can be
// captured once as a CUDA graph and replayed for later steps (train/step_graphs.h).
//
// The host part (TrainMethod::plan_step) makes every random draw and every decision that changes
// which kernels run: N, the adversarial phase, the switch_off coin, lam_margin's choice. It gives
// back the per-step values the device part reads (λ, permutations) as host tensors, and a closure
// that runs the device part. The closure may capture structure (N, flags, modes) but never a
// per-step number: those reach it only through `inputs`, which a graph replay refills in place.
#pragma once

#include <torch/types.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace adx {

struct MethodOutput;

// A plan's device part: the images, labels and the plan's inputs on the device → the losses and
// terms (with their backward passes run when the method does them itself).
using StepRun =
    std::function<MethodOutput(const torch::Tensor& x, const torch::Tensor& y, const std::vector<torch::Tensor>& inputs)>;

struct StepPlan {
  // Steps with the same key run the same kernels on inputs of the same shapes. Empty: this step
  // cannot be captured (it draws on the host while it runs) and always runs eagerly.
  std::string key;
  // The per-step values of the device part, as host tensors.
  std::vector<torch::Tensor> inputs;
  // The device part.
  StepRun run;
  // What the host part knows of the output (λ, N, the adversarial flag), merged into the result.
  double lambda = std::numeric_limits<double>::quiet_NaN();
  int64_t sources = 0;
  bool adversarial = false;
};

// The plan's host inputs on `device`, queued without a host-device synchronisation.
std::vector<torch::Tensor> plan_inputs_on(const StepPlan& plan, const torch::Device& device);

// Copies the host-part facts (λ, N, adversarial) into a device part's output.
void add_plan_summary(const StepPlan& plan, MethodOutput& out);

// The whole step without graphs: the inputs to the device, then the device part.
MethodOutput run_plan_eagerly(const StepPlan& plan, const torch::Tensor& x, const torch::Tensor& y);

}  // namespace adx
