// Weight initialisation drawn from the trainer's own generator (not the global one), so that the
// same seed gives the same network in every process and thread. Follows ALGORITHMS.md §4.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

namespace adx {

// Kaiming-normal (fan_out, ReLU gain) for conv weights, zero conv biases, BN weight 1 / bias 0.
void init_conv_and_norm(torch::nn::Module& module, at::Generator& gen);

// Linear classifier heads: weight ~ N(0, std²), bias 0.
void init_linear_normal(torch::nn::Module& module, double std, at::Generator& gen);

// Mask generators: every conv weight ~ N(0, std²), biases 0.
void init_conv_normal(torch::nn::Module& module, double std, at::Generator& gen);

}  // namespace adx
