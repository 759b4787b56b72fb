#include "train/step_graphs.h"

#include <torch/torch.h>

#include "core/host_to_device.h"
#include "core/precision.h"

namespace adx {

namespace {

// The structure key plus what else fixes the kernels: the batch's shapes, dtypes and memory order.
std::string full_key(const std::string& key, const torch::Tensor& x, const torch::Tensor& y) {
  std::string out = key + " x=";
  for (auto s : x.sizes()) out += std::to_string(s) + ",";
  out += std::string(" ") + c10::toString(x.scalar_type());
  if (x.dim() == 4 && !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast)) out += " nhwc";
  out += " y=" + std::to_string(y.numel());
  return out;
}

// The device part with its backward pass done, as the graphs capture it: a method that leaves the
// backward to the caller gets it here (outside autocast), and its loss comes back detached.
MethodOutput run_with_backward(const StepRun& run, const torch::Tensor& x, const torch::Tensor& y,
                               const std::vector<torch::Tensor>& inputs) {
  auto out = run(x, y, inputs);
  if (!out.backward_done) {
    Fp32Island no_autocast;  // backward outside the step's autocast, as the trainer runs it
    out.loss.backward();
    out.loss = out.loss.detach();
    out.backward_done = true;
  }
  return out;
}

}  // namespace

const char* graph_use_name(GraphUse use) {
  switch (use) {
    case GraphUse::Off: return "";
    case GraphUse::Eager: return "eager";
    case GraphUse::Warmup: return "warmup";
    case GraphUse::Capture: return "capture";
    case GraphUse::Replay: return "replay";
  }
  return "";
}

struct StepGraphs::Captured {
  torch::Tensor x, y;                  // the buffers the graph reads
  std::vector<torch::Tensor> inputs;
  std::unique_ptr<CudaGraph> graph;    // CUDA
  StepRun run;                         // emulation: the closure of the capture step
  MethodOutput outputs;                // CUDA: the tensors the graph writes
  std::vector<torch::Tensor> grads;    // CUDA: per parameter, the gradient the graph writes
};

StepGraphs::StepGraphs(const torch::Device& device, bool emulate, std::vector<torch::Tensor> parameters)
    : device_(device), emulate_(emulate), parameters_(std::move(parameters)) {}

StepGraphs::~StepGraphs() = default;

void StepGraphs::clear() {
  captured_.clear();
  eager_runs_.clear();
}

MethodOutput StepGraphs::run(const StepPlan& plan, const torch::Tensor& x, const torch::Tensor& y, GraphUse& use) {
  const auto eagerly = [&](GraphUse how) {
    use = how;
    return run_plan_eagerly(plan, x, y);
  };
  if (plan.key.empty()) return eagerly(GraphUse::Eager);
  const auto key = full_key(plan.key, x, y);
  if (auto found = captured_.find(key); found != captured_.end()) {
    use = GraphUse::Replay;
    return replay(*found->second, plan, x, y);
  }
  if (eager_runs_[key]++ < kWarmupRuns) return eagerly(GraphUse::Warmup);
  use = GraphUse::Capture;
  // A capture records without running: the step itself is the first replay.
  return replay(capture(key, plan, x, y), plan, x, y);
}

StepGraphs::Captured& StepGraphs::capture(const std::string& key, const StepPlan& plan, const torch::Tensor& x,
                                          const torch::Tensor& y) {
  auto c = std::make_unique<Captured>();
  // The buffers live outside the graph's pool, so no replay of another graph can overwrite them.
  c->x = torch::empty_like(x);
  c->y = torch::empty_like(y);
  for (const auto& t : plan.inputs) c->inputs.push_back(torch::empty(t.sizes(), t.options().device(device_)));
  if (emulate_) {
    c->run = plan.run;
  } else {
    if (!pool_) pool_ = new_cuda_graph_pool();
    c->graph = std::make_unique<CudaGraph>(device_);
    c->graph->capture([&] { c->outputs = run_with_backward(plan.run, c->x, c->y, c->inputs); }, *pool_);
    for (const auto& p : parameters_) c->grads.push_back(p.grad());
  }
  return *(captured_[key] = std::move(c));
}

MethodOutput StepGraphs::replay(Captured& c, const StepPlan& plan, const torch::Tensor& x, const torch::Tensor& y) {
  c.x.copy_(x, /*non_blocking=*/true);
  c.y.copy_(y, /*non_blocking=*/true);
  for (size_t i = 0; i < c.inputs.size(); ++i) copy_to_device_async(c.inputs[i], plan.inputs[i]);
  MethodOutput out;
  if (emulate_) {
    out = run_with_backward(c.run, c.x, c.y, c.inputs);
  } else {
    c.graph->replay();
    out = c.outputs;
    for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].mutable_grad() = c.grads[i];
  }
  add_plan_summary(plan, out);
  return out;
}

}  // namespace adx
