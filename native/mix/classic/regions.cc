#include "mix/classic/regions.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mix/sampling.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

// A CutMix box side: ⌊side·√(1−λ)⌋.
int64_t cut_side(int64_t side, double lambda) {
  return static_cast<int64_t>(std::floor(static_cast<double>(side) * std::sqrt(std::max(0.0, 1.0 - lambda))));
}

}  // namespace

Box box_around(int64_t h, int64_t w, int64_t side_h, int64_t side_w, int64_t cy, int64_t cx) {
  Box b;
  b.y0 = std::clamp<int64_t>(cy - side_h / 2, 0, h);
  b.y1 = std::clamp<int64_t>(cy + side_h / 2, 0, h);
  b.x0 = std::clamp<int64_t>(cx - side_w / 2, 0, w);
  b.x1 = std::clamp<int64_t>(cx + side_w / 2, 0, w);
  return b;
}


Box cut_box_around(int64_t h, int64_t w, double lambda, int64_t cy, int64_t cx) {
  return box_around(h, w, cut_side(h, lambda), cut_side(w, lambda), cy, cx);
}

Box random_cut_box(int64_t h, int64_t w, double lambda, at::Generator& gen) {
  // The original draws the column first, then the row.
  const int64_t cx = sample_int(0, w - 1, gen);
  const int64_t cy = sample_int(0, h - 1, gen);
  return cut_box_around(h, w, lambda, cy, cx);
}

double share_outside(const Box& box, int64_t h, int64_t w) {
  return 1.0 - static_cast<double>(box.area()) / static_cast<double>(h * w);
}

torch::Tensor paste_box(const torch::Tensor& x, const torch::Tensor& partner, const Box& box) {
  auto out = x.clone();
  if (box.area() == 0) return out;
  out.narrow(2, box.y0, box.height()).narrow(3, box.x0, box.width())
      .copy_(partner.narrow(2, box.y0, box.height()).narrow(3, box.x0, box.width()));
  return out;
}

torch::Tensor paste_resized(const torch::Tensor& x, const torch::Tensor& partner, const Box& box) {
  auto out = x.clone();
  if (box.area() == 0) return out;
  const auto small = F::interpolate(partner, F::InterpolateFuncOptions()
                                                 .size(std::vector<int64_t>{box.height(), box.width()})
                                                 .mode(torch::kNearest));
  out.narrow(2, box.y0, box.height()).narrow(3, box.x0, box.width()).copy_(small);
  return out;
}

torch::Tensor box_partner_mask(int64_t h, int64_t w, const Box& box, const torch::TensorOptions& options) {
  auto m = torch::zeros({1, 1, h, w}, options);
  if (box.area() > 0) m.narrow(2, box.y0, box.height()).narrow(3, box.x0, box.width()).fill_(1.0);
  return m;
}

}  // namespace adx
