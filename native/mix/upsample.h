// Mask upsampling from the feature grid to the image grid (ALGORITHMS.md §1.5 step 5, §2.2):
// F.interpolate with an integer scale factor, align_corners=False for the smooth modes.
#pragma once

#include <torch/types.h>

#include <string>

namespace adx {

enum class UpsampleMode { Nearest, Bilinear, Bicubic };

// 'nearest' | 'bilinear' | 'bicubic'; anything else is E_CONFIG naming `what`.
UpsampleMode parse_upsample_mode(const std::string& name, const std::string& what);
const char* upsample_mode_name(UpsampleMode mode);

// [B,C,h,w] → [B,C,h·scale,w·scale].
torch::Tensor upsample(const torch::Tensor& x, int64_t scale, UpsampleMode mode);

// The integer factor from a feature grid to the image grid; E_SHAPE if the image is not an exact
// multiple of the feature map (the generators need one mask value per pixel).
int64_t mask_scale_factor(int64_t image_size, int64_t feature_size);

}  // namespace adx
