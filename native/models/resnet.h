// ResNet-18/34/50/101 and ResNeXt-50 32x4d (ALGORITHMS.md §4), CIFAR variant (3x3 stride-1 stem,
// no max-pool) or ImageNet variant (7x7 stride-2 stem + max-pool). Parameter names follow
// torchvision (conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, ...), so torchvision's
// resnet*/resnext50_32x4d state dicts load as they are. Bottlenecks put the stride on the 3x3
// conv ("pytorch" style); the shortcut is a strided 1x1 conv + BN.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/backbone.h"

namespace adx {

struct ResNetOptions {
  int64_t depth = 18;        // 18, 34 (BasicBlock), 50, 101 (Bottleneck)
  int64_t in_channels = 3;
  int64_t base_width = 64;   // planes of stage 1; later stages 2×, 4×, 8× (Bottleneck outputs ×4)
  int64_t groups = 1;        // grouped 3x3 convs of the Bottleneck (32 for ResNeXt-50 32x4d)
  int64_t width_per_group = 64;  // 4 for ResNeXt-50 32x4d: mid width = planes·wpg/64·groups
  bool cifar_stem = true;
  bool zero_init_residual = true;  // last BN γ of each block starts at 0 (ALGORITHMS.md §4)
};

class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::BatchNorm2d& last_norm() { return bn2; }

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};  // 1x1 conv + BN when the shape changes
};
TORCH_MODULE(BasicBlock);

class BottleneckImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kExpansion = 4;
  BottleneckImpl(int64_t in_planes, int64_t planes, int64_t stride, int64_t groups, int64_t width_per_group);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::BatchNorm2d& last_norm() { return bn3; }

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

class ResNetImpl : public BackboneImpl {
 public:
  explicit ResNetImpl(const ResNetOptions& options);

  std::vector<torch::Tensor> forward(const torch::Tensor& x) override;
  void reset_parameters(at::Generator& gen) override;
  int64_t num_stages() const override { return 4; }
  int64_t stage_channels(int64_t index) const override;
  const ResNetOptions& options() const { return options_; }

 private:
  bool bottleneck() const { return options_.depth >= 50; }
  torch::nn::Sequential make_stage(int64_t& in_planes, int64_t planes, int64_t blocks, int64_t stride);

  ResNetOptions options_;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::vector<torch::nn::Sequential> stages_;
};

}  // namespace adx
