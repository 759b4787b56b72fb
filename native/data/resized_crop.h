// RandomResizedCrop (torchvision's sampling, ALGORITHMS.md §5.1) and the test-time resize and
// centre crop, on float NCHW batches. A crop box covers a random share of the image area within
// `scale` and an aspect ratio log-uniform within `ratio`; ten tries, then the central crop
// closest to the ratio range. The box is then resized to the output size (bicubic or bilinear,
// align_corners = false, no antialiasing).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <vector>

namespace adx {

struct ResizedCropOptions {
  int64_t size = 0;  // output side; 0: off
  double scale_min = 0.08, scale_max = 1.0;
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;
  bool bicubic = true;  // else bilinear
};

struct CropBox {
  int64_t top = 0, left = 0, height = 0, width = 0;
};

// One box for an h×w image.
CropBox sample_resized_crop(int64_t h, int64_t w, const ResizedCropOptions& o, at::Generator& gen);

// Each sample's box resized to size×size: x is [n,c,h,w] float, boxes has n entries.
torch::Tensor resize_boxes(const torch::Tensor& x, const std::vector<CropBox>& boxes, int64_t size, bool bicubic);

// Test view: the whole image resized to `resize` (0: kept), then the central `crop` (0: none).
torch::Tensor resize_and_center_crop(const torch::Tensor& x, int64_t resize, int64_t crop, bool bicubic);

// E_CONFIG for a scale or ratio range that is empty, out of range or reversed.
void check_resized_crop(const ResizedCropOptions& o);

}  // namespace adx
