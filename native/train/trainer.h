// The training state of one run: model, optimizer, schedule, method and the seeded generator.
// Plain C++ (no Node): every call must come from the trainer's worker thread.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/optim/sgd.h>

#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "data/augment.h"
#include "data/batch.h"
#include "models/classifier.h"
#include "train/method.h"
#include "train/schedule.h"

namespace adx {

enum class NanPolicy { Error, SkipStep };

struct OptimizerOptions {
  double momentum = 0.9;
  double weight_decay = 1e-4;
  bool nesterov = false;
};

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
};

struct StepResult {
  double loss = 0;
  double lr = 0;
  double lambda = 0;  // NaN for non-mixing methods
  int64_t step = 0;   // global iteration index of this step
  bool skipped = false;
  double seconds = 0;  // wall time of the step on the worker
};

// One named tensor of the model state, copied to host float32 (for export and comparison).
struct HostTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct EvalResult {
  int64_t count = 0;
  int64_t correct1 = 0;
  int64_t correct5 = 0;
  double loss_sum = 0;  // sum of per-sample CE
};

class Trainer {
 public:
  explicit Trainer(const TrainerConfig& config);

  StepResult train_step(const HostBatch& batch, const ForcedDraws& forced);
  EvalResult evaluate(const HostBatch& batch);

  // Parameters and buffers (BN statistics) under their module paths, e.g. backbone.layer1.0.conv1.weight.
  std::vector<HostTensor> state() const;

  const DeviceChoice& device() const { return device_; }
  int64_t parameter_count() const;
  int64_t threads() const { return threads_; }
  int64_t steps_done() const { return step_; }
  Classifier& model() { return model_; }

 private:
  void check_batch(const HostBatch& batch) const;
  void release_gradients();

  TrainerConfig config_;
  DeviceChoice device_;
  int64_t threads_ = 0;
  at::Generator gen_;
  Classifier model_{nullptr};
  std::unique_ptr<torch::optim::SGD> optimizer_;
  std::unique_ptr<TrainMethod> method_;
  int64_t step_ = 0;
};

}  // namespace adx
