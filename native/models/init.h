// Weight initialisation drawn from the trainer's own generator (not the global one), so that the
// same seed gives the same network in every process and thread. Follows ALGORITHMS.md §4.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

namespace adx {

// Kaiming-normal (fan_out, ReLU gain) for conv weights, zero conv biases; BN and LayerNorm
// weight 1, bias 0.
void init_conv_and_norm(torch::nn::Module& module, at::Generator& gen);

// Linear classifier heads: weight ~ N(0, std²), bias 0.
void init_linear_normal(torch::nn::Module& module, double std, at::Generator& gen);

// Mask generators: every conv weight ~ N(0, std²), biases 0; BN weight 1, bias 0.
void init_conv_normal(torch::nn::Module& module, double std, at::Generator& gen);

// Transformer-style: Linear (and, with `convs_too`, Conv2d) weights ~ N(0, std²) truncated to
// [−2, 2] as timm's trunc_normal_ does (which at std 0.02 never truncates), biases 0; norms 1/0.
void init_trunc_normal(torch::nn::Module& module, double std, bool convs_too, at::Generator& gen);

// `tensor` ~ N(0, std²) truncated to [−2, 2], in place.
void trunc_normal_(const torch::Tensor& tensor, double std, at::Generator& gen);

// PyTorch's default Conv2d initialisation (Kaiming-uniform with a = √5, i.e. U(±1/√fan_in) for
// weight and bias) from our generator, for layers the published inits leave at the default.
void init_conv_default(torch::nn::Module& conv_module, at::Generator& gen);

}  // namespace adx
