// The soft and irregular mixing masks of ALGORITHMS.md §3: FMix's low-frequency masks, GridMix's
// grid of square holes and SmoothMix's Gaussian blob. Every mask here is [H,W] float, CPU, and
// holds the partner's share of each pixel: x̃ = x·(1−M) + x[π]·M.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>

namespace adx {

// FMix's grey image before binarisation: a random complex spectrum whose amplitude falls as
// 1/max(f, 1/max(h,w))^decay (f the radial frequency in cycles per pixel), taken back to the
// image with an inverse real FFT and scaled to [0, 1].
torch::Tensor fmix_grey(int64_t h, int64_t w, double decay, at::Generator& gen);

// FMix's binary mask for λ: the ⌈λ·h·w⌉ or ⌊λ·h·w⌋ (a fair coin) brightest pixels of a fresh
// fmix_grey keep the original, the rest show the partner. Returned as the partner's share.
torch::Tensor fmix_partner_mask(int64_t h, int64_t w, double lambda, double decay, at::Generator& gen);

// GridMix: a region of U(0.5,1)·h·w pixels with aspect ratio U(0.5,2) at a random place is cut into
// n ~ U{2..6} columns of square cells; each cell shows the partner in a centred square hole of side
// cell·√(1−λ), rounded and kept within [1, cell−1].
torch::Tensor grid_partner_mask(int64_t h, int64_t w, double lambda, at::Generator& gen);

// SmoothMix: exp(−‖p−c‖²/(2σ²)) with σ = (u/4 + 1/4)·h, u ~ U(0,1), and the centre c uniform
// over the image.
torch::Tensor gaussian_partner_mask(int64_t h, int64_t w, at::Generator& gen);

}  // namespace adx
