// AdaptiveMask, the AdAutoMix mask generator (ALGORITHMS.md §1.5). Given N ≥ 2 feature maps (the
// sources, already permuted) it returns a mask [B,N,H,W] that sums to 1 over the sources at every
// pixel. Query i attends to the summed keys of every other source; the values come from source i
// itself. The layer shapes do not depend on N, so one generator serves any number of sources.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <vector>

#include "mix/upsample.h"

namespace adx {

struct AdaptiveMaskOptions {
  int64_t in_channels = 256;  // C of the stage-3 features
  bool lam_concat = false;    // append λ_i as a constant channel to source i
  // BatchNorm after conv_q and conv_k, which then have no bias (mmcv ConvModule with the
  // original's att_norm_cfg, set only by the ImageNet ResNet-50 config). Each source is its own
  // BN call, so its batch statistics are per source, as the original computes them.
  bool batch_norm = false;
};

class AdaptiveMaskImpl : public torch::nn::Module {
 public:
  explicit AdaptiveMaskImpl(const AdaptiveMaskOptions& options);
  // Initialised by its owner with init_conv_normal(0.01): every conv weight ~ N(0, 0.01²), bias 0.

  // sources: N tensors [B,C,h,w]; lambdas: the N weights as a float [N] tensor on the sources'
  // device (read only with lam_concat).
  // summed_keys: compute Σ_{j≠i} Q_i·K_j as Q_i·(ΣK − K_i), N matmuls instead of N(N−1); the
  // same value up to float rounding.
  torch::Tensor forward(const std::vector<torch::Tensor>& sources, const torch::Tensor& lambdas, int64_t scale,
                        UpsampleMode mode, bool summed_keys);

  int64_t attention_channels() const { return d_; }

  torch::nn::Conv2d conv_q{nullptr}, conv_k{nullptr}, conv_v{nullptr};
  torch::nn::BatchNorm2d bn_q{nullptr}, bn_k{nullptr};  // only with batch_norm

 private:
  // ReLU(BN(conv(f))) or ReLU(conv(f)) for the query or key projection.
  torch::Tensor project(torch::nn::Conv2d& conv, torch::nn::BatchNorm2d& bn, const torch::Tensor& f);

  AdaptiveMaskOptions options_;
  int64_t d_;
};
TORCH_MODULE(AdaptiveMask);

// The constant channel λ appended to a feature map [B,C,h,w] → [B,C+1,h,w]; λ is a 0-dim tensor
// on the features' device.
torch::Tensor with_lambda_channel(const torch::Tensor& features, const torch::Tensor& lambda);

// Clamp ±inf attention logits to ±1e25 as the original does (finite values pass unchanged).
torch::Tensor clamp_attention_logits(const torch::Tensor& logits);

}  // namespace adx
