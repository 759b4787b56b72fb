#include "data/rand_augment.h"

#include <torch/torch.h>

#include <array>
#include <cmath>
#include <utility>

#include "core/errors.h"
#include "mix/sampling.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

constexpr double kPi = 3.14159265358979323846;

struct OpInfo {
  RandOp op;
  const char* name;
  double low, high;  // magnitude range over levels 0..total_level
  bool signed_magnitude;
};

// The FixMatch policy list (OpenMixup's ViT/ConvNeXt CIFAR configs).
constexpr std::array<OpInfo, 14> kOps{{
    {RandOp::AutoContrast, "AutoContrast", 0, 0, false},
    {RandOp::Brightness, "Brightness", 0.05, 0.95, true},
    {RandOp::Color, "ColorTransform", 0.05, 0.95, true},
    {RandOp::Contrast, "Contrast", 0.05, 0.95, true},
    {RandOp::Equalize, "Equalize", 0, 0, false},
    {RandOp::Identity, "Identity", 0, 0, false},
    {RandOp::Posterize, "Posterize", 4, 8, false},
    {RandOp::Rotate, "Rotate", 0, 30, true},
    {RandOp::Sharpness, "Sharpness", 0.05, 0.95, true},
    {RandOp::ShearX, "ShearX", 0, 0.3, true},
    {RandOp::ShearY, "ShearY", 0, 0.3, true},
    {RandOp::Solarize, "Solarize", 256, 0, false},
    {RandOp::TranslateX, "TranslateX", 0, 0.3, true},
    {RandOp::TranslateY, "TranslateY", 0, 0.3, true},
}};

const OpInfo& info(RandOp op) { return kOps[static_cast<size_t>(op)]; }

// Rounded to 8-bit levels; adding +0 turns a rounded −0 into +0.
torch::Tensor to_8bit(const torch::Tensor& x) { return x.round().clamp(0, 255) + 0.0; }

// ITU-R 601 luma, rounded as an 8-bit grey image.
torch::Tensor grey(const torch::Tensor& image) {
  if (image.size(0) != 3) return image.mean(0, true).round();
  return (image[0] * 0.299 + image[1] * 0.587 + image[2] * 0.114).round().unsqueeze(0);
}

// PIL's blend: degenerate + factor·(image − degenerate), then to 8 bits.
torch::Tensor blend(const torch::Tensor& degenerate, const torch::Tensor& image, double factor) {
  return to_8bit(degenerate + (image - degenerate) * factor);
}

torch::Tensor auto_contrast(const torch::Tensor& image) {
  std::vector<torch::Tensor> channels;
  for (int64_t c = 0; c < image.size(0); ++c) {
    auto x = image[c];
    const double lo = x.min().item<double>(), hi = x.max().item<double>();
    channels.push_back(hi > lo ? to_8bit((x - lo) * (255.0 / (hi - lo))) : x);
  }
  return torch::stack(channels);
}

// PIL's equalize, per channel: a lookup table from the cumulative histogram.
torch::Tensor equalize(const torch::Tensor& image) {
  std::vector<torch::Tensor> channels;
  for (int64_t c = 0; c < image.size(0); ++c) {
    auto x = image[c];
    // The table is built on the host (an accessor reads host memory: a CUDA histogram is copied).
    auto hist = torch::bincount(x.flatten().to(torch::kInt64), {}, 256).to(torch::kCPU, torch::kInt64);
    auto h = hist.accessor<int64_t, 1>();
    int64_t last = 255;
    while (last > 0 && h[last] == 0) --last;
    int64_t nonzero = 0;
    for (int64_t i = 0; i < 256; ++i) nonzero += h[i] > 0 ? 1 : 0;
    const int64_t step = (x.numel() - h[last]) / 255;
    if (nonzero <= 1 || step == 0) {
      channels.push_back(x);
      continue;
    }
    auto lut = torch::empty({256}, torch::kFloat32);
    int64_t n = step / 2;
    for (int64_t i = 0; i < 256; ++i) {
      lut[i] = static_cast<float>(std::min<int64_t>(n / step, 255));
      n += h[i];
    }
    channels.push_back(lut.to(x.device()).index_select(0, x.flatten().to(torch::kInt64)).view_as(x));
  }
  return torch::stack(channels);
}

// PIL's SMOOTH filter (3x3, centre 5, total 13) inside a one-pixel border kept as it was.
torch::Tensor smoothed(const torch::Tensor& image) {
  auto kernel = torch::ones({3, 3}, image.options());
  kernel[1][1] = 5;
  kernel = (kernel / 13.0).expand({image.size(0), 1, 3, 3});
  auto inner = to_8bit(F::conv2d(image.unsqueeze(0), kernel, F::Conv2dFuncOptions().groups(image.size(0))).squeeze(0));
  auto out = image.clone();
  if (image.size(1) > 2 && image.size(2) > 2) out.narrow(1, 1, image.size(1) - 2).narrow(2, 1, image.size(2) - 2).copy_(inner);
  return out;
}

// The inverse affine map `inverse` (output pixel → input pixel, in pixel coordinates about the
// image centre) applied with bicubic sampling; outside pixels become `fill`.
torch::Tensor warp(const torch::Tensor& image, const std::array<double, 6>& inverse, const std::vector<double>& fill) {
  const int64_t h = image.size(1), w = image.size(2);
  const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
  auto ys = torch::arange(h, image.options()).view({h, 1}).expand({h, w}) - cy;
  auto xs = torch::arange(w, image.options()).view({1, w}).expand({h, w}) - cx;
  auto sx = xs * inverse[0] + ys * inverse[1] + inverse[2] + cx;
  auto sy = xs * inverse[3] + ys * inverse[4] + inverse[5] + cy;
  // grid_sample's normalised coordinates with align_corners = true: −1 and 1 are pixel centres.
  auto grid = torch::stack({sx * (2.0 / std::max<int64_t>(w - 1, 1)) - 1, sy * (2.0 / std::max<int64_t>(h - 1, 1)) - 1}, -1).unsqueeze(0);
  auto fill_t = torch::tensor(fill, image.options()).view({-1, 1, 1});
  // Sampling (image − fill) with zero padding leaves exactly `fill` outside the image. ATen's
  // grid_sampler: interpolation 2 = bicubic, padding 0 = zeros (the C++ options lack bicubic).
  constexpr int64_t kBicubicMode = 2, kZerosPadding = 0;
  auto out = at::grid_sampler((image - fill_t).unsqueeze(0), grid, kBicubicMode, kZerosPadding, /*align_corners=*/true).squeeze(0) + fill_t;
  // Pixels whose source lies outside the image take the fill (not a bicubic blend of it).
  auto outside = (sx < -0.5) | (sx > w - 0.5) | (sy < -0.5) | (sy > h - 0.5);
  return to_8bit(torch::where(outside.unsqueeze(0), fill_t.expand_as(out), out));
}

}  // namespace

RandOp rand_op_from_name(const std::string& name) {
  for (const auto& o : kOps) {
    if (name == o.name) return o.op;
  }
  throw Error(ErrorCode::Config, "unknown RandAugment operation '" + name + "'");
}

double rand_op_magnitude(RandOp op, double level, double total_level) {
  const auto& o = info(op);
  return level / total_level * (o.high - o.low) + o.low;
}

torch::Tensor apply_rand_op(const torch::Tensor& image, RandOp op, double m, const std::vector<double>& fill) {
  const int64_t h = image.size(1), w = image.size(2);
  switch (op) {
    case RandOp::AutoContrast: return auto_contrast(image);
    case RandOp::Brightness: return blend(torch::zeros_like(image), image, 1 + m);
    case RandOp::Color: return blend(grey(image).expand_as(image), image, 1 + m);
    case RandOp::Contrast: return blend(torch::full_like(image, grey(image).mean().round().item<double>()), image, 1 + m);
    case RandOp::Equalize: return equalize(image);
    case RandOp::Identity: return image;
    case RandOp::Posterize: {
      const double shift = std::pow(2.0, 8 - std::ceil(m));
      return (image / shift).floor() * shift;
    }
    case RandOp::Rotate: {
      // Counter-clockwise by m degrees on screen (y down), so the inverse map turns the other way.
      const double a = m * kPi / 180.0, c = std::cos(a), s = std::sin(a);
      return warp(image, {c, -s, 0, s, c, 0}, fill);
    }
    case RandOp::Sharpness: return blend(smoothed(image), image, 1 + m);
    // Shears keep the top-left pixel in place, as the original's (cv2) affine maps do.
    case RandOp::ShearX: return warp(image, {1, -m, -m * (h - 1) / 2.0, 0, 1, 0}, fill);
    case RandOp::ShearY: return warp(image, {1, 0, 0, -m, 1, -m * (w - 1) / 2.0}, fill);
    case RandOp::Solarize: return torch::where(image < m, image, 255 - image);
    case RandOp::TranslateX: return warp(image, {1, 0, -m * w, 0, 1, 0}, fill);
    case RandOp::TranslateY: return warp(image, {1, 0, 0, 0, 1, -m * h}, fill);
  }
  return image;
}

torch::Tensor rand_augment(const torch::Tensor& images, const RandAugmentOptions& o, at::Generator& gen) {
  std::vector<torch::Tensor> out;
  out.reserve(static_cast<size_t>(images.size(0)));
  for (int64_t i = 0; i < images.size(0); ++i) {
    auto image = images[i];
    for (int64_t k = 0; k < o.ops; ++k) {
      const auto& op = kOps[static_cast<size_t>(sample_int(0, static_cast<int64_t>(kOps.size()) - 1, gen))];
      double level = o.level;
      if (o.level_std > 0) level += o.level_std * torch::randn({1}, gen, torch::TensorOptions().dtype(torch::kFloat64)).item<double>();
      level = std::min(o.total_level, std::max(0.0, level));
      if (sample_uniform(gen) >= 0.5) continue;  // each operation applies with probability 1/2
      double m = rand_op_magnitude(op.op, level, o.total_level);
      if (op.signed_magnitude && sample_uniform(gen) < 0.5) m = -m;
      image = apply_rand_op(image, op.op, m, o.fill);
    }
    out.push_back(image);
  }
  return torch::stack(out);
}

void check_rand_augment(const RandAugmentOptions& o, int64_t channels) {
  if (!o.enabled) return;
  if (o.ops < 0 || o.ops > 16) throw Error(ErrorCode::Config, "randAugment.ops must be in [0, 16]");
  if (!(o.total_level > 0) || !(o.level >= 0 && o.level <= o.total_level) || !(o.level_std >= 0)) {
    throw Error(ErrorCode::Config, "randAugment needs 0 ≤ level ≤ totalLevel, totalLevel > 0 and levelStd ≥ 0");
  }
  if (static_cast<int64_t>(o.fill.size()) != channels) {
    throw Error(ErrorCode::Config, "randAugment.fill needs one value per image channel (" + std::to_string(channels) + ")");
  }
}

}  // namespace adx
