#include "models/init.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/utils.h>

#include <cmath>

namespace adx {

namespace {

void init_norm(torch::nn::Module& child) {
  if (auto* bn = child.as<torch::nn::BatchNorm2d>()) {
    if (bn->weight.defined()) bn->weight.fill_(1.0);
    if (bn->bias.defined()) bn->bias.zero_();
  } else if (auto* ln = child.as<torch::nn::LayerNorm>()) {
    if (ln->weight.defined()) ln->weight.fill_(1.0);
    if (ln->bias.defined()) ln->bias.zero_();
  }
}

}  // namespace

void init_conv_and_norm(torch::nn::Module& module, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* conv = child->as<torch::nn::Conv2d>()) {
      const auto& w = conv->weight;
      // PyTorch's fan_out ignores groups: out_channels × kernel area.
      const double fan_out = static_cast<double>(w.size(0) * w.size(2) * w.size(3));
      w.normal_(0.0, std::sqrt(2.0 / fan_out), gen);
      if (conv->bias.defined()) conv->bias.zero_();
    } else {
      init_norm(*child);
    }
  }
}

void init_linear_normal(torch::nn::Module& module, double std, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* linear = child->as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, std, gen);
      if (linear->bias.defined()) linear->bias.zero_();
    }
  }
}

void init_conv_normal(torch::nn::Module& module, double std, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* conv = child->as<torch::nn::Conv2d>()) {
      conv->weight.normal_(0.0, std, gen);
      if (conv->bias.defined()) conv->bias.zero_();
    } else {
      init_norm(*child);
    }
  }
}

void trunc_normal_(const torch::Tensor& tensor, double std, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  tensor.normal_(0.0, std, gen).clamp_(-2.0, 2.0);
}

void init_trunc_normal(torch::nn::Module& module, double std, bool convs_too, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& child : module.modules(/*include_self=*/true)) {
    torch::Tensor weight, bias;
    if (auto* linear = child->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else if (auto* conv = child->as<torch::nn::Conv2d>(); conv && convs_too) {
      weight = conv->weight;
      bias = conv->bias;
    } else {
      init_norm(*child);
      continue;
    }
    trunc_normal_(weight, std, gen);
    if (bias.defined()) bias.zero_();
  }
}

void init_conv_default(torch::nn::Module& conv_module, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  auto* conv = conv_module.as<torch::nn::Conv2d>();
  if (!conv) return;
  const auto& w = conv->weight;
  const double bound = 1.0 / std::sqrt(static_cast<double>(w.size(1) * w.size(2) * w.size(3)));
  w.uniform_(-bound, bound, gen);
  if (conv->bias.defined()) conv->bias.uniform_(-bound, bound, gen);
}

}  // namespace adx
