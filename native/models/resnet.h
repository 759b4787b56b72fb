// ResNet backbones with BasicBlocks (ResNet-18/34), CIFAR variant (3x3 stride-1 stem, no max-pool)
// or ImageNet variant (7x7 stride-2 stem + max-pool). Parameter names follow torchvision
// (conv1, bn1, layer1.0.conv1, ...). forward() returns every stage output: the mask generators
// read stage 3, the heads read stage 4.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <ATen/core/Generator.h>

#include <vector>

namespace adx {

struct ResNetOptions {
  int64_t depth = 18;        // 18 or 34
  int64_t in_channels = 3;
  int64_t base_width = 64;   // stage widths are base, 2·base, 4·base, 8·base
  bool cifar_stem = true;
  bool zero_init_residual = true;  // last BN γ of each block starts at 0 (ALGORITHMS.md §4)
};

class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};  // 1x1 conv + BN when shape changes
};
TORCH_MODULE(BasicBlock);

class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetOptions& options);

  // Outputs of stages 1..4 (index 0..3).
  std::vector<torch::Tensor> forward(const torch::Tensor& x);

  // Draws fresh weights from `gen` per ALGORITHMS.md §4.
  void reset_parameters(at::Generator& gen);

  int64_t out_channels() const { return 8 * options_.base_width; }
  // Channels of stage `index` (0-based): base·2^index.
  int64_t stage_channels(int64_t index) const { return options_.base_width << index; }
  const ResNetOptions& options() const { return options_; }

 private:
  torch::nn::Sequential make_stage(int64_t& in_planes, int64_t planes, int64_t blocks, int64_t stride);

  ResNetOptions options_;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  std::vector<torch::nn::Sequential> stages_;
};
TORCH_MODULE(ResNet);

}  // namespace adx
