// ConvNeXt-T (ALGORITHMS.md §4): ImageNet stem (4x4 stride-4 conv + LayerNorm) or the CIFAR stem
// (3x3 stride-1 conv + LayerNorm, OpenMixup's ConvNeXt_CIFAR), four stages of ConvNeXt blocks
// (7x7 depthwise conv → LayerNorm → Linear 4× → GELU → Linear → layer scale → stochastic depth,
// plus the residual), LayerNorm + 2x2 stride-2 conv between stages, and the final LayerNorm after
// global pooling. Parameter names follow torchvision's convnext_tiny (features.*, classifier.0).
#pragma once

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/backbone.h"

namespace adx {

struct ConvNeXtOptions {
  std::vector<int64_t> depths{3, 3, 9, 3};
  int64_t in_channels = 3;
  int64_t base_width = 96;   // stage widths base, 2×, 4×, 8×
  bool cifar_stem = false;
  double drop_path = 0.1;    // rate of the last block; earlier blocks rise linearly from 0
  double layer_scale = 1e-6;
};

// LayerNorm over the channels of an NCHW tensor (torchvision's LayerNorm2d), eps 1e-6.
torch::nn::LayerNorm channel_norm(int64_t channels);
torch::Tensor apply_channel_norm(torch::nn::LayerNorm& norm, const torch::Tensor& nchw);

class ConvNeXtBlockImpl : public torch::nn::Module {
 public:
  ConvNeXtBlockImpl(int64_t dim, double layer_scale, double drop_path, SharedRandomSource random);
  torch::Tensor forward(const torch::Tensor& x);
  void reset_parameters(at::Generator& gen);

  torch::nn::Conv2d dwconv{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear pwconv1{nullptr}, pwconv2{nullptr};
  torch::Tensor layer_scale;

 private:
  double layer_scale_init_, drop_path_;
  SharedRandomSource random_;
};
TORCH_MODULE(ConvNeXtBlock);

class ConvNeXtImpl : public BackboneImpl {
 public:
  explicit ConvNeXtImpl(const ConvNeXtOptions& options);

  std::vector<torch::Tensor> forward(const torch::Tensor& x) override;
  torch::Tensor pool(const torch::Tensor& last_stage) override;
  void reset_parameters(at::Generator& gen) override;
  int64_t num_stages() const override { return static_cast<int64_t>(options_.depths.size()); }
  int64_t stage_channels(int64_t index) const override { return options_.base_width << index; }
  std::string classifier_key() const override { return "classifier.2"; }

 private:
  ConvNeXtOptions options_;
  torch::nn::Conv2d stem_conv{nullptr};
  torch::nn::LayerNorm stem_norm{nullptr};
  std::vector<torch::nn::LayerNorm> down_norms_;  // before stages 2..4
  std::vector<torch::nn::Conv2d> down_convs_;
  std::vector<std::vector<ConvNeXtBlock>> stages_;
  torch::nn::LayerNorm final_norm{nullptr};
};

}  // namespace adx
