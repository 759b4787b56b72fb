#include "data/augment.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/host_to_device.h"

namespace adx {

namespace {

torch::Tensor borrow_images(const HostBatch& b) {
  return torch::from_blob(const_cast<uint8_t*>(b.images), {b.n, b.h, b.w, b.c}, torch::kUInt8);
}

// Index of the source pixel for output position `pos` (may fall in the padding) under reflect
// padding: -1 → 1, size → size-2. Works on whole index tensors at once.
torch::Tensor reflect_index(const torch::Tensor& pos, int64_t size) {
  auto reflected = pos.abs();
  return torch::where(reflected >= size, 2 * (size - 1) - reflected, reflected);
}

// `t` on `device`. With pinned transfers the host tensor is staged in page-locked memory and
// copied asynchronously; LibTorch's caching host allocator keeps the staging block from reuse
// until the copy has finished, so the temporary may go out of scope at once.
torch::Tensor to_device(const torch::Tensor& t, const torch::Device& device, const BatchTransfer& transfer) {
  return transfer.pinned ? to_device_async(t, device) : t.to(device);
}

// uint8 NHWC → float NCHW pixel values (0..255) on `device`.
torch::Tensor pixels_nchw(const torch::Tensor& nhwc_u8, const torch::Device& device, const BatchTransfer& transfer) {
  // Ask for standard NCHW strides explicitly: the default (preserve_format) would keep the
  // permuted NHWC strides, which oneDNN takes for channels-last, and LibTorch 1.13's oneDNN
  // channels-last convolution backward corrupted memory for the 1-channel strides this gives.
  // The channels_last speed option converts the normalised batch properly afterwards.
  return to_device(nhwc_u8, device, transfer)
      .permute({0, 3, 1, 2})
      .to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/false, torch::MemoryFormat::Contiguous);
}

// Float NCHW pixel values → the user's normalisation: (x/255 − mean)/std.
torch::Tensor normalise_pixels(const torch::Tensor& x, const AugmentOptions& o) {
  const auto channels = x.size(1);
  auto mean = to_device_async(torch::tensor(o.mean, torch::kFloat64).to(torch::kFloat32).view({1, channels, 1, 1}), x.device());
  auto std = to_device_async(torch::tensor(o.std, torch::kFloat64).to(torch::kFloat32).view({1, channels, 1, 1}), x.device());
  return (x * (1.0 / 255.0) - mean).div_(std);
}

// uint8 NHWC → float NCHW in the user's normalisation, on `device`.
torch::Tensor normalise(const torch::Tensor& nhwc_u8, const AugmentOptions& o, const torch::Device& device,
                        const BatchTransfer& transfer) {
  return normalise_pixels(pixels_nchw(nhwc_u8, device, transfer), o);
}

// With RandAugment the pixels go through it (8-bit values, as the original's images) before the
// normalisation.
torch::Tensor finish_training_view(const torch::Tensor& nhwc_u8, const AugmentOptions& o, at::Generator& gen,
                                   const torch::Device& device, const BatchTransfer& transfer) {
  if (!o.rand_augment.enabled) return normalise(nhwc_u8, o, device, transfer);
  return normalise_pixels(rand_augment(pixels_nchw(nhwc_u8, device, transfer), o.rand_augment, gen), o);
}

// RandomResizedCrop then flip: every box first, then every flip coin (the order of the draws).
torch::Tensor resized_crop_view(const torch::Tensor& images, const AugmentOptions& o, at::Generator& gen,
                                const torch::Device& device, const BatchTransfer& transfer) {
  const int64_t n = images.size(0), h = images.size(1), w = images.size(2);
  std::vector<CropBox> boxes;
  boxes.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) boxes.push_back(sample_resized_crop(h, w, o.resized_crop, gen));
  // RandAugment sees 8-bit pixels, as after the original's (PIL) resized crop; without it the
  // batch is normalised first (the resize is linear, so the order does not matter there).
  const bool rand_aug = o.rand_augment.enabled;
  auto x = resize_boxes(rand_aug ? pixels_nchw(images, device, transfer) : normalise(images, o, device, transfer), boxes, o.resized_crop.size,
                        o.resized_crop.bicubic);
  if (rand_aug) x = x.round().clamp(0, 255);
  if (o.flip) {
    auto flip = to_device_async(torch::rand({n}, gen) < 0.5, device).view({n, 1, 1, 1});
    x = torch::where(flip, x.flip(3), x);
  }
  if (!rand_aug) return x.contiguous();
  return normalise_pixels(rand_augment(x.contiguous(), o.rand_augment, gen), o).contiguous();
}

}  // namespace

void check_normalisation(const AugmentOptions& o, int64_t channels) {
  const auto n = static_cast<size_t>(channels);
  if (o.mean.size() != n || o.std.size() != n) {
    throw Error(ErrorCode::Config, "normalisation mean and std need one value per image channel (" +
                                       std::to_string(channels) + ")");
  }
  for (double m : o.mean) {
    if (!std::isfinite(m)) throw Error(ErrorCode::Config, "normalisation mean values must be finite");
  }
  for (double s : o.std) {
    if (!(s > 0) || !std::isfinite(s)) throw Error(ErrorCode::Config, "normalisation std values must be finite and > 0");
  }
}

void check_crop_fits(const AugmentOptions& o, int64_t h, int64_t w) {
  if (o.crop_padding >= h || o.crop_padding >= w) {
    throw Error(ErrorCode::Config, "crop padding (" + std::to_string(o.crop_padding) +
                                       ") must be smaller than the image size");
  }
  if (o.resized_crop.size > 0) {
    check_resized_crop(o.resized_crop);
    if (o.crop_padding > 0) throw Error(ErrorCode::Config, "use either the padded random crop or the resized crop, not both");
  }
  check_rand_augment(o.rand_augment, static_cast<int64_t>(o.mean.size()));
  const auto [eh, ew] = eval_view_size(o, h, w);
  const auto [th, tw] = train_view_size(o, h, w);
  if (eh != th || ew != tw) {
    throw Error(ErrorCode::Config, "the test view (" + std::to_string(eh) + "x" + std::to_string(ew) +
                                       ") differs from the training view (" + std::to_string(th) + "x" +
                                       std::to_string(tw) + "): set the test resize/crop to the training size");
  }
}

std::pair<int64_t, int64_t> train_view_size(const AugmentOptions& o, int64_t h, int64_t w) {
  if (o.resized_crop.size > 0) return {o.resized_crop.size, o.resized_crop.size};
  return {h, w};
}

std::pair<int64_t, int64_t> eval_view_size(const AugmentOptions& o, int64_t h, int64_t w) {
  if (o.eval_crop > 0) return {o.eval_crop, o.eval_crop};
  if (o.eval_resize > 0) return {o.eval_resize, o.eval_resize};
  return {h, w};
}

torch::Tensor train_batch_tensor(const HostBatch& batch, const AugmentOptions& o, at::Generator& gen,
                                 const torch::Device& device, const BatchTransfer& transfer) {
  auto images = borrow_images(batch);
  // The resized crop already works on the device (it resamples float images there).
  if (o.resized_crop.size > 0) return resized_crop_view(images, o, gen, device, transfer);
  if (o.crop_padding <= 0 && !o.flip) return finish_training_view(images, o, gen, device, transfer);
  // The crop and flip gather on the device: the draws stay on the host generator (so a seed gives
  // the same boxes on every device), only the small index tensors follow the images.
  if (transfer.augment_on_device) images = to_device(images, device, transfer);

  const auto n = batch.n, h = batch.h, w = batch.w, p = o.crop_padding;
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  // One draw per sample: crop offsets in [0, 2p] (p = padding) and a flip coin.
  auto oy = p > 0 ? torch::randint(0, 2 * p + 1, {n}, gen, i64) : torch::zeros({n}, i64);
  auto ox = p > 0 ? torch::randint(0, 2 * p + 1, {n}, gen, i64) : torch::zeros({n}, i64);
  auto flip = o.flip ? torch::rand({n}, gen) < 0.5 : torch::zeros({n}, torch::kBool);

  auto rows = reflect_index(oy.unsqueeze(1) - p + torch::arange(h, i64).unsqueeze(0), h);  // [n,h]
  auto col_step = torch::arange(w, i64).unsqueeze(0).expand({n, w});
  col_step = torch::where(flip.unsqueeze(1), (w - 1) - col_step, col_step);
  auto cols = reflect_index(ox.unsqueeze(1) - p + col_step, w);  // [n,w]

  // One gather builds the whole cropped, flipped batch: out[b,y,x,:] = in[b, rows[b,y], cols[b,x], :].
  const auto at = images.device();
  auto batch_index = to_device_async(torch::arange(n, i64).view({n, 1, 1}), at);
  auto gathered = images.index({batch_index, to_device_async(rows.view({n, h, 1}), at), to_device_async(cols.view({n, 1, w}), at)});
  return finish_training_view(gathered, o, gen, device, transfer);
}

torch::Tensor eval_batch_tensor(const HostBatch& batch, const AugmentOptions& o, const torch::Device& device,
                                const BatchTransfer& transfer) {
  auto x = normalise(borrow_images(batch), o, device, transfer);
  if (o.eval_resize <= 0 && o.eval_crop <= 0) return x;
  return resize_and_center_crop(x, o.eval_resize, o.eval_crop, o.eval_bicubic).contiguous();
}

torch::Tensor label_tensor(const HostBatch& batch, const torch::Device& device, const BatchTransfer& transfer) {
  auto labels = torch::from_blob(const_cast<int32_t*>(batch.labels), {batch.n}, torch::kInt32);
  return to_device(labels, device, transfer).to(torch::kInt64);
}

}  // namespace adx
