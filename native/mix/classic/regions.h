// Rectangular regions of the box-pasting mixups (CutMix, ResizeMix, SaliencyMix; ALGORITHMS.md §3):
// where the box lies, and pasting a partner image into it.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>

namespace adx {

// Rows [y0, y1) × columns [x0, x1) of an image; may be empty after clipping.
struct Box {
  int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  int64_t height() const { return y1 - y0; }
  int64_t width() const { return x1 - x0; }
  int64_t area() const { return height() * width(); }
};

// The box the original code builds around a centre: half of each side (rounded down) on either
// side of (cy, cx), clipped to the h×w image. An odd side therefore loses one pixel, and a box near
// the border loses what falls outside; the label λ is recomputed from the clipped area.
Box box_around(int64_t h, int64_t w, int64_t side_h, int64_t side_w, int64_t cy, int64_t cx);

// CutMix's box for λ around (cy, cx): sides ⌊h·√(1−λ)⌋ × ⌊w·√(1−λ)⌋, as box_around makes them.
Box cut_box_around(int64_t h, int64_t w, double lambda, int64_t cy, int64_t cx);

// cut_box_around with the centre uniform over the pixels.
Box random_cut_box(int64_t h, int64_t w, double lambda, at::Generator& gen);

// 1 − area/(h·w): the share of the image the box leaves to the original.
double share_outside(const Box& box, int64_t h, int64_t w);

// x with the box of every image replaced by the same box of `partner` ([B,C,H,W] both).
torch::Tensor paste_box(const torch::Tensor& x, const torch::Tensor& partner, const Box& box);

// x with the whole `partner` image resized (nearest) into the box (ResizeMix).
torch::Tensor paste_resized(const torch::Tensor& x, const torch::Tensor& partner, const Box& box);

// [1,1,H,W] float: 1 inside the box (the partner's pixels), 0 elsewhere.
torch::Tensor box_partner_mask(int64_t h, int64_t w, const Box& box, const torch::TensorOptions& options);

}  // namespace adx
