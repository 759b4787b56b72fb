#include "mix/classic/masks.h"

#include <torch/fft.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mix/sampling.h"

namespace adx {

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

// numpy's fftfreq / rfftfreq: the frequency of each FFT bin in cycles per sample.
torch::Tensor fft_frequencies(int64_t n) {
  auto k = torch::arange(n, kF64);
  return torch::where(k < (n + 1) / 2, k, k - static_cast<double>(n)) / static_cast<double>(n);
}
torch::Tensor rfft_frequencies(int64_t n) { return torch::arange(n / 2 + 1, kF64) / static_cast<double>(n); }

}  // namespace

torch::Tensor fmix_grey(int64_t h, int64_t w, double decay, at::Generator& gen) {
  const auto fy = fft_frequencies(h).unsqueeze(1);
  const auto fx = rfft_frequencies(w).unsqueeze(0);
  const auto f = (fy * fy + fx * fx).sqrt();
  const double floor = 1.0 / static_cast<double>(std::max(h, w));
  const auto amplitude = f.clamp_min(floor).pow(-decay);
  const auto re = torch::randn(f.sizes(), gen, kF64) * amplitude;
  const auto im = torch::randn(f.sizes(), gen, kF64) * amplitude;
  auto grey = torch::fft::irfftn(torch::complex(re, im), std::vector<int64_t>{h, w});
  grey = grey - grey.min();
  const double top = grey.max().item<double>();
  if (top > 0) grey = grey / top;
  return grey.to(torch::kFloat32);
}

torch::Tensor fmix_partner_mask(int64_t h, int64_t w, double lambda, double decay, at::Generator& gen) {
  const auto grey = fmix_grey(h, w, decay, gen);
  const double exact = lambda * static_cast<double>(h * w);
  const bool round_up = sample_uniform(gen) > 0.5;
  const int64_t keep = std::clamp<int64_t>(static_cast<int64_t>(round_up ? std::ceil(exact) : std::floor(exact)), 0, h * w);
  const auto order = grey.reshape({-1}).argsort(/*dim=*/0, /*descending=*/true);
  auto partner = torch::ones({h * w}, torch::kFloat32);
  partner.index_fill_(0, order.narrow(0, 0, keep), 0.0);
  return partner.reshape({h, w});
}

torch::Tensor grid_partner_mask(int64_t h, int64_t w, double lambda, at::Generator& gen) {
  auto mask = torch::zeros({h, w}, torch::kFloat32);
  const int64_t holes = sample_int(2, 6, gen);
  const double area_ratio = 0.5 + 0.5 * sample_uniform(gen);
  const double aspect = 0.5 + 1.5 * sample_uniform(gen);
  const double area = area_ratio * static_cast<double>(h * w);
  const int64_t region_w = std::clamp<int64_t>(std::llround(std::sqrt(area * aspect)), 1, w);
  const int64_t region_h = std::clamp<int64_t>(std::llround(std::sqrt(area / aspect)), 1, h);
  const int64_t cell = region_w / holes;
  if (cell < 2 || region_h < cell) return mask;  // too small an image for a grid: no hole
  const int64_t rows = region_h / cell;
  const int64_t top = sample_int(0, h - rows * cell, gen);
  const int64_t left = sample_int(0, w - holes * cell, gen);
  const int64_t side = std::clamp<int64_t>(std::llround(static_cast<double>(cell) * std::sqrt(std::max(0.0, 1.0 - lambda))), 1, cell - 1);
  const int64_t inset = (cell - side) / 2;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < holes; ++c) {
      mask.narrow(0, top + r * cell + inset, side).narrow(1, left + c * cell + inset, side).fill_(1.0);
    }
  }
  return mask;
}

torch::Tensor gaussian_partner_mask(int64_t h, int64_t w, at::Generator& gen) {
  const double sigma = (sample_uniform(gen) / 4.0 + 0.25) * static_cast<double>(h);
  const double cy = sample_uniform(gen) * static_cast<double>(h);
  const double cx = sample_uniform(gen) * static_cast<double>(w);
  const auto dy = torch::arange(h, kF64).sub(cy).square().unsqueeze(1);
  const auto dx = torch::arange(w, kF64).sub(cx).square().unsqueeze(0);
  return (-(dy + dx) / (2.0 * sigma * sigma)).exp().to(torch::kFloat32);
}

}  // namespace adx
