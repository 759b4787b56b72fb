// Stochastic depth ("drop path", row mode as torchvision and timm): in training, each sample's
// residual branch is zeroed with probability p and the survivors are scaled by 1/(1−p).
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "models/backbone.h"

namespace adx {

torch::Tensor drop_path(const torch::Tensor& branch, double p, bool training, const RandomSource& random);

// One rate per block over all stages (`depths` blocks each), rising linearly from 0 at the first
// block to `max_rate` at the last (torchvision's block_id / (blocks − 1) rule). E_CONFIG naming
// `model` unless 0 ≤ max_rate < 1.
std::vector<double> drop_path_rates(const std::vector<int64_t>& depths, double max_rate, const std::string& model);

}  // namespace adx
