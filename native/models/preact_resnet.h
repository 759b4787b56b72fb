// PreAct ResNet-18/34 (He et al. 2016, "Identity Mappings in Deep Residual Networks") as the mixup
// literature trains it on CIFAR (Manifold Mixup, PuzzleMix, Co-Mixup report on PreActResNet-18):
// a 3x3 stride-1 stem conv with no norm after it; four stages of pre-activation BasicBlocks
// (BN → ReLU, then conv3x3 → BN → ReLU → conv3x3; where the shape changes, a 1x1 conv shortcut
// of the activated input, otherwise the input itself), strides 1, 2, 2, 2; and no norm after the
// last stage, whose output goes straight to the pooling. Parameter names follow those
// repositories (conv1, layer1.0.bn1, layer2.0.shortcut.0, linear), so their checkpoints load.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "models/backbone.h"

namespace adx {

struct PreActResNetOptions {
  int64_t depth = 18;  // 18 or 34
  int64_t in_channels = 3;
  int64_t base_width = 64;  // first stage's width; then 2×, 4×, 8×
};

class PreActBlockImpl : public torch::nn::Module {
 public:
  PreActBlockImpl(int64_t in_planes, int64_t planes, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};

 private:
  torch::nn::Conv2d shortcut_conv_{nullptr};  // registered as shortcut.0 where the shape changes
};
TORCH_MODULE(PreActBlock);

class PreActResNetImpl : public BackboneImpl {
 public:
  explicit PreActResNetImpl(const PreActResNetOptions& options);

  std::vector<torch::Tensor> forward(const torch::Tensor& x) override;
  void reset_parameters(at::Generator& gen) override;
  int64_t num_stages() const override { return 4; }
  int64_t stage_channels(int64_t index) const override { return options_.base_width << index; }
  std::string classifier_key() const override { return "linear"; }

 private:
  PreActResNetOptions options_;
  torch::nn::Conv2d conv1{nullptr};
  std::vector<torch::nn::Sequential> stages_;  // registered as layer1..layer4
};

}  // namespace adx
