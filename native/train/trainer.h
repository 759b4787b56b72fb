// The training state of one run: model, optimizer, schedule, method and the seeded generator.
// Plain C++ (no Node): every call must come from the trainer's worker thread.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <utility>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/device.h"
#include "core/errors.h"
#include "core/host_tensor.h"
#include "core/speed_options.h"
#include "data/augment.h"
#include "data/batch.h"
#include "models/classifier.h"
#include "train/method.h"
#include "train/optimizer.h"
#include "train/schedule.h"
#include "train/step_graphs.h"

namespace adx {

enum class NanPolicy { Error, SkipStep };

struct TrainerConfig {
  std::string device = "auto";
  int64_t threads = 0;  // 0: leave LibTorch's setting alone (the JS side always passes a value)
  uint64_t seed = 0;
  ModelOptions model;
  AugmentOptions augment;
  MethodOptions method;
  OptimizerOptions optimizer;
  LrSchedule schedule;
  NanPolicy nan_policy = NanPolicy::Error;
  SpeedOptions speed;
};

struct StepResult {
  double loss = 0;
  double lr = 0;
  double generator_lr = 0;     // NaN without a mask generator
  double ema_momentum = 0;     // NaN without an EMA network
  double lambda = 0;           // NaN for non-mixing methods
  std::vector<std::pair<std::string, double>> terms;  // the method's named loss terms
  int64_t sources = 0;         // N of a learned-mixing step, else 0
  bool adversarial = false;
  int64_t step = 0;            // global iteration index of this step
  bool skipped = false;
  double seconds = 0;          // wall time of the step on the worker
  std::string mode;            // the classic mode used ("" for the other methods)
  double mix_seconds = 0;      // time spent mixing (NaN where not measured)
  std::string graph;           // speed.cudaGraphs: eager | warmup | capture | replay ("" when off)
};


struct HeadEval {
  std::string name;
  int64_t correct1 = 0;
  int64_t correct5 = 0;
  double loss_sum = 0;  // sum of per-sample CE
};

struct EvalResult {
  int64_t count = 0;
  std::vector<HeadEval> heads;  // every test-time head of the method
};

// A learned mixer's output for a batch, on the host (see TrainMethod::preview).
struct MixResult {
  int64_t n = 0, c = 0, h = 0, w = 0, sources = 0;
  std::vector<float> masks;           // [n, sources, h, w]
  std::vector<float> mixed;           // [n, c, h, w], normalised (the model's input)
  std::vector<uint8_t> mixed_images;  // [n, h, w, c], back in pixel units
  BranchDraws draws;                  // label weights λ_i and source permutations π_i
};

// Eval-mode outputs for an already normalised float input: every head's logits and, when asked,
// the stage outputs of the (online) backbone.
struct ForwardResult {
  std::vector<HostTensor> heads;   // named by head_names()
  std::vector<HostTensor> stages;  // "stage1", "stage2", ...
};

// Everything a run needs to continue exactly: parameters and buffers (state() names), the
// optimizer's state (optimizer_state.h names), the random generator's state and the counters:
// "step" and the method's own.
struct Checkpoint {
  std::vector<HostTensor> tensors;
  std::vector<uint8_t> rng;
  std::vector<std::pair<std::string, int64_t>> counters;
};

class Trainer {
 public:
  explicit Trainer(const TrainerConfig& config);

  StepResult train_step(const HostBatch& batch, const ForcedDraws& forced);
  EvalResult evaluate(const HostBatch& batch);
  // The current generator mixing a batch (no augmentation, eval mode, draws from `seed`, no
  // change to the training state or its random stream).
  MixResult mix(const HostBatch& images, const ForcedDraws& forced, uint64_t seed);
  // `input` is [n, c, h, w] float32 in the model's input space (already normalised).
  ForwardResult forward(const HostTensor& input, bool with_stages);
  // The gradient of Σ CE(head(input), labels) with respect to the (normalised) input, eval mode,
  // for adversarial attacks; `loss` gets the summed loss. Changes no training state.
  HostTensor input_gradient(const HostTensor& input, const std::vector<int64_t>& labels, const std::string& head,
                            double& loss);
  // Replaces every parameter and buffer by the named tensors (the names and shapes state() gives).
  void load_state(const std::vector<HostTensor>& tensors);

  Checkpoint checkpoint();
  // Continues from a checkpoint of the same configuration. Everything is checked before anything
  // changes, so a checkpoint that does not fit (E_CHECKPOINT) leaves the trainer as it was.
  void restore(const Checkpoint& checkpoint);

  // Torchvision-named pretrained weights (see models/pretrained.h); before the first step.
  PretrainedReport load_pretrained(const std::vector<HostTensor>& tensors, bool skip_classifier);

  // Parameters and buffers (BN statistics) under their module paths, e.g. backbone.layer1.0.conv1.weight.
  std::vector<HostTensor> state() const;

  const DeviceChoice& device() const { return device_; }
  int64_t parameter_count() const;
  int64_t threads() const { return threads_; }
  // The speed options in effect: the CUDA-only ones are off on the CPU.
  const SpeedOptions& speed() const { return config_.speed; }
  int64_t steps_done() const { return step_; }

 private:
  void check_images(const HostBatch& batch) const;
  void check_batch(const HostBatch& batch) const;
  void release_gradients();
  // The accumulated gradients averaged over the window, clipped, and the optimizer step.
  void apply_gradients();
  // Name → (parameter or buffer) of the whole network, in state() order.
  std::vector<std::pair<std::string, torch::Tensor>> state_targets() const;
  // Checks that `by_name` holds exactly the network's tensors with their shapes; throws `code`.
  void check_state(const std::unordered_map<std::string, const HostTensor*>& by_name, ErrorCode code,
                   const std::string& source) const;
  void copy_state(const std::unordered_map<std::string, const HostTensor*>& by_name);

  void set_learning_rates(StepResult& result);
  // A prepared input batch in the memory order the network's weights have.
  torch::Tensor in_network_layout(const torch::Tensor& x) const;
  BatchTransfer transfer() const { return {config_.speed.pinned_memory, config_.speed.device_augment}; }

  TrainerConfig config_;
  LrSchedule generator_schedule_;
  DeviceChoice device_;
  int64_t threads_ = 0;
  at::Generator gen_;
  std::unique_ptr<TrainMethod> method_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<StepGraphs> graphs_;  // speed.cudaGraphs
  std::vector<GroupRole> group_roles_;  // which schedule drives each parameter group
  bool has_generator_group_ = false;
  int64_t step_ = 0;
};

}  // namespace adx
