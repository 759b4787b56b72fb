#include "data/resized_crop.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "mix/sampling.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

torch::Tensor resize(const torch::Tensor& x, int64_t h, int64_t w, bool bicubic) {
  if (x.size(2) == h && x.size(3) == w) return x;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).align_corners(false);
  if (bicubic) {
    options.mode(torch::kBicubic);
  } else {
    options.mode(torch::kBilinear);
  }
  return F::interpolate(x, options);
}

}  // namespace

void check_resized_crop(const ResizedCropOptions& o) {
  if (o.size < 0) throw Error(ErrorCode::Config, "the resized crop size must be ≥ 0");
  if (!(o.scale_min > 0 && o.scale_min <= o.scale_max && o.scale_max <= 1)) {
    throw Error(ErrorCode::Config, "resized crop scale must be [min, max] with 0 < min ≤ max ≤ 1");
  }
  if (!(o.ratio_min > 0 && o.ratio_min <= o.ratio_max && std::isfinite(o.ratio_max))) {
    throw Error(ErrorCode::Config, "resized crop ratio must be [min, max] with 0 < min ≤ max");
  }
}

CropBox sample_resized_crop(int64_t h, int64_t w, const ResizedCropOptions& o, at::Generator& gen) {
  // Python's round() (ties to even) is std::nearbyint under the default rounding mode.
  const double area = static_cast<double>(h * w);
  const double log_min = std::log(o.ratio_min), log_max = std::log(o.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (o.scale_min + (o.scale_max - o.scale_min) * sample_uniform(gen));
    const double aspect = std::exp(log_min + (log_max - log_min) * sample_uniform(gen));
    const auto bw = static_cast<int64_t>(std::nearbyint(std::sqrt(target * aspect)));
    const auto bh = static_cast<int64_t>(std::nearbyint(std::sqrt(target / aspect)));
    if (bw > 0 && bw <= w && bh > 0 && bh <= h) {
      const int64_t top = sample_int(0, h - bh, gen);
      const int64_t left = sample_int(0, w - bw, gen);
      return {top, left, bh, bw};
    }
  }
  // Fallback: the central crop whose aspect is the image's, clamped into the ratio range.
  const double image_ratio = static_cast<double>(w) / static_cast<double>(h);
  int64_t bw = w, bh = h;
  if (image_ratio < o.ratio_min) {
    bh = std::min<int64_t>(h, static_cast<int64_t>(std::nearbyint(static_cast<double>(w) / o.ratio_min)));
  } else if (image_ratio > o.ratio_max) {
    bw = std::min<int64_t>(w, static_cast<int64_t>(std::nearbyint(static_cast<double>(h) * o.ratio_max)));
  }
  return {(h - bh) / 2, (w - bw) / 2, bh, bw};
}

torch::Tensor resize_boxes(const torch::Tensor& x, const std::vector<CropBox>& boxes, int64_t size, bool bicubic) {
  std::vector<torch::Tensor> out;
  out.reserve(boxes.size());
  for (size_t i = 0; i < boxes.size(); ++i) {
    const auto& b = boxes[i];
    auto crop = x.narrow(0, static_cast<int64_t>(i), 1).narrow(2, b.top, b.height).narrow(3, b.left, b.width);
    out.push_back(resize(crop, size, size, bicubic));
  }
  return torch::cat(out, 0);
}

torch::Tensor resize_and_center_crop(const torch::Tensor& x, int64_t resize_to, int64_t crop, bool bicubic) {
  auto y = resize_to > 0 ? resize(x, resize_to, resize_to, bicubic) : x;
  if (crop <= 0) return y;
  const int64_t h = y.size(2), w = y.size(3);
  if (crop > h || crop > w) {
    throw Error(ErrorCode::Config, "the centre crop (" + std::to_string(crop) + ") is larger than the image (" +
                                       std::to_string(h) + "x" + std::to_string(w) + ")");
  }
  // torchvision's centre: Python's round() of half the leftover (ties to even, as nearbyint).
  const auto top = static_cast<int64_t>(std::nearbyint(static_cast<double>(h - crop) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint(static_cast<double>(w - crop) / 2.0));
  return y.narrow(2, top, crop).narrow(3, left, crop);
}

}  // namespace adx
