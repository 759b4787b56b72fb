// Loss and draw helpers shared by the mixing methods.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include "train/method.h"

namespace adx {

// λ·CE(logits, y_a) + (1−λ)·CE(logits, y_b), each CE averaged over the batch, in fp32.
torch::Tensor two_label_loss(const torch::Tensor& logits, const torch::Tensor& y_a, const torch::Tensor& y_b,
                             double lambda);

// The forced permutation (checked to be one of 0..n-1) or a fresh random one. CPU int64.
torch::Tensor forced_or_random_permutation(const ForcedDraws& forced, int64_t n, at::Generator& gen);

}  // namespace adx
