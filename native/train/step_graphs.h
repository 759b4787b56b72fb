// speed.cudaGraphs: the device part of a planned step (train/step_plan.h) is captured as a CUDA
// graph once per step structure and replayed for later steps of that structure, one launch for the
// thousands of kernels of the forward and backward passes. The optimizer step and the EMA update
// stay eager after it (a few list operations), so the learning rate, the EMA momentum and the
// non-finite-loss check work as without graphs.
//
// Per structure key (the plan's key plus the shapes and memory order of the batch):
// - the first kWarmupRuns steps run eagerly (cuDNN autotuning and lazy initialisation happen
//   there, never during a capture);
// - the next one copies the batch and the plan's inputs into buffers it keeps, captures the
//   device part over them and replays it;
// - every later one refills those buffers in place and replays.
// Captured backward passes write the gradients into memory the graph owns: after a replay the
// parameters get that graph's gradient tensors back (the trainer drops gradients after a step).
// All graphs of a trainer share one memory pool. That is safe because each replay's outputs (the
// losses and the gradients) are consumed before the next replay of any graph.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cuda_graph.h"
#include "train/method.h"
#include "train/step_plan.h"

namespace adx {

// How a step ran under speed.cudaGraphs ("" when graphs are off).
enum class GraphUse { Off, Eager, Warmup, Capture, Replay };
const char* graph_use_name(GraphUse use);

class StepGraphs {
 public:
  // `emulate` (tests, ADX_EMULATE_CUDA_GRAPHS=1 on the CPU): a "capture" keeps the plan's closure
  // and the buffers, and a "replay" calls that kept closure again on the refilled buffers. That is
  // what a graph replay computes, so a device part that baked one step's number in (instead of
  // reading its inputs) gives a wrong answer there too.
  StepGraphs(const torch::Device& device, bool emulate, std::vector<torch::Tensor> parameters);
  ~StepGraphs();

  // Runs the plan's device part on x, y and tells how in `use`. Captured and replayed steps come
  // back with their backward passes done (backward_done); warm-up and eager ones as the method
  // returns them.
  MethodOutput run(const StepPlan& plan, const torch::Tensor& x, const torch::Tensor& y, GraphUse& use);
  // Forgets every graph (the parameters were replaced, e.g. by restore()).
  void clear();

  static constexpr int64_t kWarmupRuns = 2;

 private:
  struct Captured;
  Captured& capture(const std::string& key, const StepPlan& plan, const torch::Tensor& x, const torch::Tensor& y);
  MethodOutput replay(Captured& c, const StepPlan& plan, const torch::Tensor& x, const torch::Tensor& y);

  torch::Device device_;
  bool emulate_;
  std::vector<torch::Tensor> parameters_;
  std::map<std::string, std::unique_ptr<Captured>> captured_;
  std::map<std::string, int64_t> eager_runs_;
  std::optional<CudaGraphPool> pool_;  // made at the first capture
};

}  // namespace adx
