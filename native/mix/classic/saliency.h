// SaliencyMix's saliency map. The original calls OpenCV-contrib's StaticSaliencyFineGrained on one
// image; we compute the spectral-residual saliency (Hou & Zhang, CVPR 2007) instead, in LibTorch,
// with no OpenCV: the log-amplitude spectrum minus its 3×3 local mean, back to the image with the
// original phase, squared, then a Gaussian blur. SaliencyMix only uses the map's peak as the box
// centre; docs/methods.md says where this differs from the original.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <utility>

namespace adx {

// image: [C,H,W] float (any normalisation). Returns [H,W] float, CPU, ≥ 0.
torch::Tensor spectral_residual_saliency(const torch::Tensor& image);

// The (row, column) of the map's largest value; the first one in row-major order on ties.
std::pair<int64_t, int64_t> saliency_peak(const torch::Tensor& saliency);

}  // namespace adx
