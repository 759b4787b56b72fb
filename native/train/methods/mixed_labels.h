// The permutation draw of the classic mixing methods (forced by tests, or random).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include "train/method.h"

namespace adx {

// The forced permutation (checked to be one of 0..n-1) or a fresh random one. CPU int64.
torch::Tensor forced_or_random_permutation(const ForcedDraws& forced, int64_t n, at::Generator& gen);

}  // namespace adx
