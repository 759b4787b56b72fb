// Random draws for mixing, all from the trainer's seeded generator.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

namespace adx {

// λ ~ Beta(α, α), as G1/(G1+G2) with G ~ Gamma(α, 1) (ALGORITHMS.md §1.4).
double sample_beta(double alpha, at::Generator& gen);

// A uniformly random permutation of 0..n-1 (int64, CPU).
torch::Tensor sample_permutation(int64_t n, at::Generator& gen);

}  // namespace adx
