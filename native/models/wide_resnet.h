// WRN-28-k (ALGORITHMS.md §4, OpenMixup's wide_resnet.py): a 3x3 stem conv to 16 channels, three
// stages of pre-activation BasicBlocks (BN → LeakyReLU(0.1) → conv3x3 with bias, twice), strides
// 1, 2, 2, and a final BN + LeakyReLU that belongs to the last stage's output. BN momentum 0.001
// and eps 0.001. Parameter names follow OpenMixup (block1.layer.0.conv1, ..., convShortcut, bn1),
// so its checkpoints' backbone weights load as they are.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "models/backbone.h"

namespace adx {

struct WideResNetOptions {
  int64_t depth = 28;        // 6n + 4
  int64_t in_channels = 3;
  int64_t base_width = 128;  // first stage's width, 16·k (k = 8 for WRN-28-8); then 2×, 4×
};

class WideBasicBlockImpl : public torch::nn::Module {
 public:
  // `activate_shortcut`: the first block of the network feeds the shortcut with the activated
  // input too (the stem has no BN-ReLU of its own).
  WideBasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride, bool activate_shortcut);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, convShortcut{nullptr};

 private:
  bool activate_shortcut_;
};
TORCH_MODULE(WideBasicBlock);

class WideResNetImpl : public BackboneImpl {
 public:
  explicit WideResNetImpl(const WideResNetOptions& options);

  std::vector<torch::Tensor> forward(const torch::Tensor& x) override;
  void reset_parameters(at::Generator& gen) override;
  int64_t num_stages() const override { return 3; }
  int64_t stage_channels(int64_t index) const override { return options_.base_width << index; }

 private:
  WideResNetOptions options_;
  torch::nn::Conv2d conv1{nullptr};
  std::vector<torch::nn::Sequential> stages_;  // each registered as block{i}.layer
  torch::nn::BatchNorm2d bn1{nullptr};
};

}  // namespace adx
