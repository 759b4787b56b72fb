// PixelMixBlock, the AutoMix mask generator (ALGORITHMS.md §2.2, mask_mode "none_v_"): one 1x1
// conv serves as query and key (no activation); the value comes from the partner image. Returns
// s ∈ (0,1)^{B×1×H×W}, the weight of the partner x[π]; the mask is [1−s, s].
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

#include <string>

#include "mix/upsample.h"

namespace adx {

struct PixelMixBlockOptions {
  int64_t in_channels = 256;
  bool lam_concat = false;  // λ channel on the image's features, 1−λ on the partner's
};

class PixelMixBlockImpl : public torch::nn::Module {
 public:
  explicit PixelMixBlockImpl(const PixelMixBlockOptions& options);
  // Initialised by its owner with init_conv_normal(0.01): every conv weight ~ N(0, 0.01²), bias 0.

  // features: [B,C,h,w] of x; partner: the same rows permuted (features of x[π]); lambda: x's
  // weight λ as a 0-dim float tensor on the features' device (read only with lam_concat).
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& partner, const torch::Tensor& lambda,
                        int64_t scale, UpsampleMode mode);

  torch::nn::Conv2d query{nullptr}, value{nullptr};

 private:
  PixelMixBlockOptions options_;
  int64_t d_;
};
TORCH_MODULE(PixelMixBlock);

enum class MaskLossMode { L1, L2, L1Variance, L2Variance };
MaskLossMode parse_mask_loss_mode(const std::string& name);

// The AutoMix mask loss (§2.3) on the partner weight s, with m̄ the batch-and-pixel mean of s:
// L1: max(0, |1 − m̄ − λ| − margin); L2: max(0, (1 − m̄ − λ)² − margin²); "+Variance" subtracts
// 2·mean((s − m̄)²). λ is a 0-dim float tensor on s's device.
torch::Tensor mask_loss(const torch::Tensor& s, const torch::Tensor& lambda, MaskLossMode mode, double margin);

}  // namespace adx
