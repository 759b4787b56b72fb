#include "mix/upsample.h"

#include <torch/nn/functional/upsampling.h>

#include "core/errors.h"

namespace adx {

namespace F = torch::nn::functional;

UpsampleMode parse_upsample_mode(const std::string& name, const std::string& what) {
  if (name == "nearest") return UpsampleMode::Nearest;
  if (name == "bilinear") return UpsampleMode::Bilinear;
  if (name == "bicubic") return UpsampleMode::Bicubic;
  throw Error(ErrorCode::Config, what + " must be 'nearest', 'bilinear' or 'bicubic', got '" + name + "'");
}

const char* upsample_mode_name(UpsampleMode mode) {
  switch (mode) {
    case UpsampleMode::Nearest: return "nearest";
    case UpsampleMode::Bilinear: return "bilinear";
    case UpsampleMode::Bicubic: return "bicubic";
  }
  return "nearest";
}

torch::Tensor upsample(const torch::Tensor& x, int64_t scale, UpsampleMode mode) {
  if (scale == 1) return x;
  const std::vector<double> factors{static_cast<double>(scale), static_cast<double>(scale)};
  auto options = F::InterpolateFuncOptions().scale_factor(factors);
  switch (mode) {
    case UpsampleMode::Nearest: options.mode(torch::kNearest); break;
    case UpsampleMode::Bilinear: options.mode(torch::kBilinear).align_corners(false); break;
    case UpsampleMode::Bicubic: options.mode(torch::kBicubic).align_corners(false); break;
  }
  return F::interpolate(x, options);
}

int64_t mask_scale_factor(int64_t image_size, int64_t feature_size) {
  if (feature_size < 1 || image_size % feature_size != 0) {
    throw Error(ErrorCode::Shape, "the image size " + std::to_string(image_size) +
                                      " is not a multiple of the generator's feature map size " +
                                      std::to_string(feature_size) + "; use an input size divisible by it");
  }
  return image_size / feature_size;
}

}  // namespace adx
