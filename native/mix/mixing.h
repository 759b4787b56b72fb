// The arithmetic shared by the learned-mixing steps: applying N-source masks, linear N-way mixing,
// mixed-label losses and the lam_margin rule (ALGORITHMS.md §1.6, §1.7, §2.1).
#pragma once

#include <torch/types.h>

#include <vector>

#include "train/method.h"

namespace adx {

// Σ_i masks[:, i] ⊙ x[π_i], summed in source order as the original does.
torch::Tensor mix_images(const torch::Tensor& x, const torch::Tensor& masks, const std::vector<torch::Tensor>& perms);

// The λ_i of a branch as a host float32 [N] tensor. The learned-mixing steps read λ from the
// device, never as host numbers baked into a kernel, so that a CUDA graph of the step replays
// with each step's own draws (train/step_graphs.h).
torch::Tensor lambda_tensor(const std::vector<double>& lambdas);

// Σ_i λ_i · x[π_i] (linear N-way mixup); `lambdas` is [N] on x's device.
torch::Tensor mix_linear(const torch::Tensor& x, const torch::Tensor& lambdas, const std::vector<torch::Tensor>& perms);

// Σ_i λ_i · CE(logits, y[π_i]), each CE averaged over the batch, in fp32; `lambdas` is [N] on
// the logits' device, or host numbers.
torch::Tensor mixed_label_loss(const torch::Tensor& logits, const torch::Tensor& y,
                               const std::vector<torch::Tensor>& perms, const torch::Tensor& lambdas);
torch::Tensor mixed_label_loss(const torch::Tensor& logits, const torch::Tensor& y,
                               const std::vector<torch::Tensor>& perms, const std::vector<double>& lambdas);

// Masks [B,N,H,W] (the size of `like_masks`, contiguous) holding the constant λ_i in channel i;
// `lambdas` is [N] on like_masks' device.
torch::Tensor constant_masks(const torch::Tensor& lambdas, const torch::Tensor& like_masks);

// Whether lam_margin replaces the classifier's mask by the constants λ_i (§1.6). Two sources:
// margin ≥ λ₁ or margin ≥ 1−λ₁. N ≥ 3, official: margin ≥ λ₁ or margin > 1−λ₁; OpenMixup's port:
// margin ≥ λ₁ or margin < 1−λ₁. A margin ≤ 0 counts as 0, as in the original.
bool classifier_mask_is_linear(const std::vector<double>& lambdas, double margin, bool openmixup_rule);

// Whether `values` is a permutation of 0..n−1.
bool is_permutation(const std::vector<int64_t>& values, int64_t n);

// Checks a forced branch (N ≥ 2 sources, one λ in [0,1] per permutation of 0..batch−1).
void check_branch_draws(const BranchDraws& draws, int64_t batch, const char* branch);

// The permutations as one host int64 tensor [N, B] (row i is π_i), and back: its rows as the
// index tensors the functions above take (views, no copy).
torch::Tensor permutation_matrix(const BranchDraws& draws);
std::vector<torch::Tensor> permutation_rows(const torch::Tensor& matrix);

// The identity permutation of 0..n−1.
std::vector<int64_t> identity_permutation(int64_t n);

}  // namespace adx
