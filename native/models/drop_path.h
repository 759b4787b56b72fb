// Stochastic depth ("drop path", row mode as torchvision and timm): in training, each sample's
// residual branch is zeroed with probability p and the survivors are scaled by 1/(1−p).
#pragma once

#include <torch/types.h>

#include "models/backbone.h"

namespace adx {

torch::Tensor drop_path(const torch::Tensor& branch, double p, bool training, const RandomSource& random);

// Rates rising linearly from 0 at the first block to `max_rate` at the last (torchvision's
// block_id / (blocks − 1) rule).
std::vector<double> drop_path_rates(int64_t blocks, double max_rate);

}  // namespace adx
