#include "mix/adaptive_mask.h"

#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

#include <cmath>

#include "core/errors.h"
#include "core/precision.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

torch::nn::Conv2d conv1x1(int64_t in, int64_t out, bool bias) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(bias));
}

}  // namespace

torch::Tensor with_lambda_channel(const torch::Tensor& features, const torch::Tensor& lambda) {
  auto lam = lambda.to(features.scalar_type()).view({1, 1, 1, 1});
  return torch::cat({features, lam.expand({features.size(0), 1, features.size(2), features.size(3)})}, 1);
}

torch::Tensor clamp_attention_logits(const torch::Tensor& logits) { return logits.clamp(-1e25, 1e25); }

AdaptiveMaskImpl::AdaptiveMaskImpl(const AdaptiveMaskOptions& options)
    : options_(options), d_(std::max<int64_t>(options.in_channels / 2, 1)) {
  if (options.in_channels < 1) throw Error(ErrorCode::Config, "the mask generator needs at least one input channel");
  // d comes from C, not from C+1 with the λ channel (as in the original).
  const int64_t in = options.in_channels + (options.lam_concat ? 1 : 0);
  const bool bias = !options.batch_norm;  // a bias before BN would be cancelled by it
  conv_q = register_module("conv_q", conv1x1(in, d_, bias));
  conv_k = register_module("conv_k", conv1x1(in, d_, bias));
  conv_v = register_module("conv_v", conv1x1(in, 1, true));
  if (options.batch_norm) {
    bn_q = register_module("bn_q", torch::nn::BatchNorm2d(d_));
    bn_k = register_module("bn_k", torch::nn::BatchNorm2d(d_));
  }
}

torch::Tensor AdaptiveMaskImpl::project(torch::nn::Conv2d& conv, torch::nn::BatchNorm2d& bn, const torch::Tensor& f) {
  auto y = conv(f);
  return F::relu(bn ? bn(y) : y);
}

torch::Tensor AdaptiveMaskImpl::forward(const std::vector<torch::Tensor>& sources, const torch::Tensor& lambdas,
                                        int64_t scale, UpsampleMode mode, bool summed_keys) {
  const size_t n = sources.size();
  if (n < 2) throw Error(ErrorCode::Config, "the mask generator mixes at least 2 sources");
  if (options_.lam_concat && (!lambdas.defined() || lambdas.dim() != 1 || lambdas.size(0) != static_cast<int64_t>(n))) {
    throw Error(ErrorCode::Config, "the mask generator needs one λ per source");
  }
  const int64_t b = sources[0].size(0), h = sources[0].size(2), w = sources[0].size(3);

  std::vector<torch::Tensor> q(n), k(n), v(n);
  for (size_t i = 0; i < n; ++i) {
    auto f = options_.lam_concat ? with_lambda_channel(sources[i], lambdas[static_cast<int64_t>(i)]) : sources[i];
    // flatten, not view: under channels_last the projections are not NCHW-contiguous.
    q[i] = project(conv_q, bn_q, f).flatten(2).permute({0, 2, 1}).to(torch::kFloat32);  // [B,P,d]
    k[i] = project(conv_k, bn_k, f).flatten(2).to(torch::kFloat32);                      // [B,d,P]
    v[i] = conv_v(f).flatten(2).permute({0, 2, 1}).to(torch::kFloat32);                  // [B,P,1]
  }

  // From here on fp32 whatever the step's precision: attention matmuls and softmaxes (§1.5).
  Fp32Island fp32;

  torch::Tensor key_sum;
  if (summed_keys && n > 2) {
    key_sum = k[0];
    for (size_t j = 1; j < n; ++j) key_sum = key_sum + k[j];
  }
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(d_));
  std::vector<torch::Tensor> logits(n);
  for (size_t i = 0; i < n; ++i) {
    torch::Tensor scores;
    if (key_sum.defined()) {
      scores = torch::bmm(q[i], key_sum - k[i]);
    } else {
      for (size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        auto s = torch::bmm(q[i], k[j]);
        scores = scores.defined() ? scores + s : s;
      }
    }
    auto attention = (clamp_attention_logits(scores) * inv_sqrt_d).softmax(-1);  // [B,P,P] over keys
    logits[i] = torch::bmm(attention, v[i]).view({b, 1, h, w});
  }
  return upsample(torch::cat(logits, 1), scale, mode).softmax(1);
}

}  // namespace adx
