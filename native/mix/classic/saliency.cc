#include "mix/classic/saliency.h"

#include <torch/fft.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace adx {

namespace F = torch::nn::functional;

namespace {

// Separable Gaussian blur of [H,W] with replicate padding; σ in pixels.
torch::Tensor gaussian_blur(const torch::Tensor& map, double sigma) {
  const int64_t radius = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(2.5 * sigma)));
  auto taps = torch::arange(-radius, radius + 1, map.options());
  auto kernel = (-(taps * taps) / (2.0 * sigma * sigma)).exp();
  kernel = kernel / kernel.sum();
  auto x = map.unsqueeze(0).unsqueeze(0);
  x = F::pad(x, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReplicate));
  x = F::conv2d(x, kernel.view({1, 1, 1, -1}));
  x = F::conv2d(x, kernel.view({1, 1, -1, 1}));
  return x.squeeze(0).squeeze(0);
}

}  // namespace

torch::Tensor spectral_residual_saliency(const torch::Tensor& image) {
  const auto grey = image.detach().to(torch::kCPU, torch::kFloat64).mean(0);
  const int64_t h = grey.size(0), w = grey.size(1);
  const auto spectrum = torch::fft::fft2(grey);
  const auto log_amplitude = (spectrum.abs() + 1e-12).log();
  const auto phase = torch::angle(spectrum);
  auto padded = F::pad(log_amplitude.unsqueeze(0).unsqueeze(0), F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate));
  const auto local_mean = F::avg_pool2d(padded, F::AvgPool2dFuncOptions(3).stride(1)).squeeze(0).squeeze(0);
  const auto residual = (log_amplitude - local_mean).exp();
  const auto back = torch::fft::ifft2(torch::complex(residual * phase.cos(), residual * phase.sin()));
  const auto energy = back.abs().square();
  const double sigma = std::max(1.0, 0.03 * static_cast<double>(std::max(h, w)));
  return gaussian_blur(energy, sigma).to(torch::kFloat32);
}

std::pair<int64_t, int64_t> saliency_peak(const torch::Tensor& saliency) {
  const int64_t flat = saliency.reshape({-1}).argmax().item<int64_t>();
  return {flat / saliency.size(1), flat % saliency.size(1)};
}

}  // namespace adx
