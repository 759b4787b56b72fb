#include "train/bn_replay.h"

#include <torch/torch.h>

#include <cmath>

namespace adx {

BatchNormReplay::BatchNormReplay(torch::nn::Module& module) {
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* bn = child->as<torch::nn::BatchNorm2d>()) {
      layers_.push_back({bn, bn->options.momentum().value_or(0.1), {}, {}, {}, {}});
    }
  }
}

namespace {

// The buffer's storage under a fresh version counter. BatchNorm saves its running statistics for
// backward, so writing them through the buffer itself after a graph-building pass (the x_mb pass)
// would fail backward's version check; the BN kernel's own update does not bump the version
// either. Train-mode backward never reads their values.
torch::Tensor untracked(const torch::Tensor& buffer) { return buffer.variable_data(); }

}  // namespace

void BatchNormReplay::begin_capture() {
  torch::NoGradGuard no_grad;
  for (auto& l : layers_) {
    l.saved_mean = l.bn->running_mean.clone();
    l.saved_var = l.bn->running_var.clone();
    l.bn->options.momentum(1.0);
  }
}

void BatchNormReplay::end_capture() {
  torch::NoGradGuard no_grad;
  for (auto& l : layers_) {
    l.bn->options.momentum(l.momentum);
    l.batch_mean = l.bn->running_mean.clone();
    l.batch_var = l.bn->running_var.clone();
    untracked(l.bn->running_mean).copy_(l.batch_mean * l.momentum + l.saved_mean * (1.0 - l.momentum));
    untracked(l.bn->running_var).copy_(l.batch_var * l.momentum + l.saved_var * (1.0 - l.momentum));
  }
}

void BatchNormReplay::replay(int64_t times) {
  if (times <= 0) return;
  torch::NoGradGuard no_grad;
  for (auto& l : layers_) {
    // `times` updates r ← (1−m)·r + m·s with the same s: r ← (1−m)^t·r + (1 − (1−m)^t)·s.
    const double keep = std::pow(1.0 - l.momentum, static_cast<double>(times));
    untracked(l.bn->running_mean).copy_(l.bn->running_mean * keep + l.batch_mean * (1.0 - keep));
    untracked(l.bn->running_var).copy_(l.bn->running_var * keep + l.batch_var * (1.0 - keep));
    untracked(l.bn->num_batches_tracked).add_(times);
  }
}

}  // namespace adx
