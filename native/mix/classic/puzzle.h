// PuzzleMix's mask and block transport (ALGORITHMS.md §3), given the saliency of each image.
// One problem per image: an n×n grid of blocks is labelled original / half / partner by
// grid_labelling.h from the saliency of both images, the prior λ and the local image differences
// at block borders; then each image's blocks are moved by a greedy transport plan so that its
// salient blocks land where the mask shows it.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace adx {

struct PuzzleOptions {
  double beta = 1.2;            // smoothness of the labelling (divided by n·16, as the original)
  double gamma = 0.5;           // weight of the image differences at block borders
  double eta = 0.2;             // weight of the λ prior
  int64_t neighbour_size = 4;   // pixels averaged for the border differences
  bool transport = true;
  double transport_eps = 0.8;   // weight of the move distance in the transport cost
  int64_t transport_size = 4;   // transport block side in pixels; ≤ 0: the labelling's blocks
};

struct PuzzleResult {
  torch::Tensor mask;         // [B,1,H,W]: the original's share of each pixel (1, ½ or 0)
  torch::Tensor original;     // [B,C,H,W]: x after its transport
  torch::Tensor partner;      // [B,C,H,W]: x[π] after its transport
};

// x: [B,C,H,W] normalised; pixels: x in [0,1] pixel units (for the border differences);
// saliency: [B,H,W] ≥ 0; perm: [B] partner indices; grid: n, dividing H and W; prior: λ.
PuzzleResult puzzle_mix(const torch::Tensor& x, const torch::Tensor& pixels, const torch::Tensor& saliency,
                        const torch::Tensor& perm, int64_t grid, double prior, const PuzzleOptions& options);

// The grid sizes n = 2^k, k = 1..max_power, that divide both sides (PuzzleMix draws one).
std::vector<int64_t> puzzle_grid_sizes(int64_t h, int64_t w, int64_t max_power);

}  // namespace adx
