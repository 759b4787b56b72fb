#include "mix/pixel_mix_block.h"

#include <torch/torch.h>

#include <cmath>

#include "core/errors.h"
#include "core/precision.h"
#include "mix/adaptive_mask.h"

namespace adx {

PixelMixBlockImpl::PixelMixBlockImpl(const PixelMixBlockOptions& options)
    : options_(options), d_(std::max<int64_t>(options.in_channels / 2, 1)) {
  if (options.in_channels < 1) throw Error(ErrorCode::Config, "the mix block needs at least one input channel");
  const int64_t in = options.in_channels + (options.lam_concat ? 1 : 0);
  query = register_module("query", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, d_, 1).bias(true)));
  value = register_module("value", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, 1, 1).bias(true)));
}

torch::Tensor PixelMixBlockImpl::forward(const torch::Tensor& features, const torch::Tensor& partner,
                                         const torch::Tensor& lambda, int64_t scale, UpsampleMode mode) {
  const int64_t b = features.size(0), h = features.size(2), w = features.size(3);
  auto x = options_.lam_concat ? with_lambda_channel(features, lambda) : features;
  auto x_partner = options_.lam_concat ? with_lambda_channel(partner, 1.0 - lambda) : partner;
  // flatten, not view: under channels_last the projections are not NCHW-contiguous.
  auto q = query(x).flatten(2).permute({0, 2, 1}).to(torch::kFloat32);          // [B,P,d]
  auto k = query(x_partner).flatten(2).to(torch::kFloat32);                     // [B,d,P]
  auto v = value(x_partner).flatten(2).permute({0, 2, 1}).to(torch::kFloat32);  // [B,P,1]
  // From here on fp32 whatever the step's precision: attention matmul and softmax (§2.2).
  Fp32Island fp32;
  auto attention = (clamp_attention_logits(torch::bmm(q, k)) / std::sqrt(static_cast<double>(d_))).softmax(-1);
  auto logits = torch::bmm(attention, v).view({b, 1, h, w});
  return torch::sigmoid(upsample(logits, scale, mode));
}

MaskLossMode parse_mask_loss_mode(const std::string& name) {
  if (name == "L1") return MaskLossMode::L1;
  if (name == "L2") return MaskLossMode::L2;
  if (name == "L1+Variance") return MaskLossMode::L1Variance;
  if (name == "L2+Variance") return MaskLossMode::L2Variance;
  throw Error(ErrorCode::Config, "maskLoss.mode must be 'L1', 'L2', 'L1+Variance' or 'L2+Variance', got '" + name + "'");
}

torch::Tensor mask_loss(const torch::Tensor& s, const torch::Tensor& lambda, MaskLossMode mode, double margin) {
  auto mean = s.mean();
  auto gap = (1.0 - mean) - lambda;  // the original's order of operations
  const bool l1 = mode == MaskLossMode::L1 || mode == MaskLossMode::L1Variance;
  auto loss = l1 ? torch::relu(gap.abs() - margin) : torch::relu(gap.pow(2) - margin * margin);
  if (mode == MaskLossMode::L1Variance || mode == MaskLossMode::L2Variance) {
    loss = loss - 2.0 * (s - mean).pow(2).mean();
  }
  return loss;
}

}  // namespace adx
