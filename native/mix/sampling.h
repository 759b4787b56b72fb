// Random draws for mixing, all from the trainer's seeded generator.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <vector>

namespace adx {

// λ ~ Beta(α, α), as G1/(G1+G2) with G ~ Gamma(α, 1) (ALGORITHMS.md §1.4).
double sample_beta(double alpha, at::Generator& gen);

// λ ~ Beta(a, b), as G1/(G1+G2) with G1 ~ Gamma(a, 1), G2 ~ Gamma(b, 1) (AttentiveMix's Beta(α, 8)).
double sample_beta(double a, double b, at::Generator& gen);

// n independent Beta(α, α) draws.
std::vector<double> sample_betas(double alpha, int64_t n, at::Generator& gen);

// One Dirichlet(α, …, α) draw of n weights (Gammas normalised by their sum).
std::vector<double> sample_dirichlet(double alpha, int64_t n, at::Generator& gen);

// u ~ U[0, 1).
double sample_uniform(at::Generator& gen);

// An integer uniform in [low, high] (both inclusive).
int64_t sample_int(int64_t low, int64_t high, at::Generator& gen);

// A uniformly random permutation of 0..n-1 (int64, CPU).
torch::Tensor sample_permutation(int64_t n, at::Generator& gen);
std::vector<int64_t> sample_permutation_values(int64_t n, at::Generator& gen);

// A permutation without fixed points, as the original draws it (§1.4): up to 10 tries of
// randperm; if all have a fixed point, the cyclic shift i ↦ (i+s) mod n with s ~ U{1..n−2}, unless
// `keep_last_on_failure`, which returns the last try instead.
std::vector<int64_t> sample_no_repeat_permutation(int64_t n, at::Generator& gen, bool keep_last_on_failure);

}  // namespace adx
