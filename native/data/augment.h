// Batch preparation on uint8 NHWC input: random crop with reflect padding and horizontal flip
// (training), then conversion to normalised float NCHW on the training device.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <vector>

#include "data/batch.h"
#include "data/rand_augment.h"
#include "data/resized_crop.h"

namespace adx {

struct AugmentOptions {
  int64_t crop_padding = 0;   // 0: no random crop
  ResizedCropOptions resized_crop;  // training RandomResizedCrop instead (size > 0)
  bool flip = false;          // horizontal flip with probability 1/2
  RandAugmentOptions rand_augment;  // after the crop and flip (training only)
  int64_t eval_resize = 0;    // test view: resize the whole image to this square (0: kept)
  int64_t eval_crop = 0;      // ... then its central crop of this side (0: none)
  bool eval_bicubic = true;   // the test resize's interpolation (else bilinear)
  std::vector<double> mean;   // per channel, in [0,1] pixel units
  std::vector<double> std;
};

// How a batch reaches the device: through pinned (page-locked) host memory with an asynchronous
// copy, and whether the training crop and flip run after the copy (on the device) or before it.
// On the CPU both are meaningless and ignored.
struct BatchTransfer {
  bool pinned = false;
  bool augment_on_device = false;
};

// E_CONFIG unless mean/std hold one finite value per channel, with every std > 0.
void check_normalisation(const AugmentOptions& options, int64_t channels);

// E_CONFIG unless the crop padding is smaller than an h×w image (reflect padding needs it).
void check_crop_fits(const AugmentOptions& options, int64_t h, int64_t w);

// The side of the training and the test view of h×w images (both square when resized).
std::pair<int64_t, int64_t> train_view_size(const AugmentOptions& options, int64_t h, int64_t w);
std::pair<int64_t, int64_t> eval_view_size(const AugmentOptions& options, int64_t h, int64_t w);

// Training view of the batch: crop boxes (or offsets) and flips drawn from `gen`, one per sample.
torch::Tensor train_batch_tensor(const HostBatch& batch, const AugmentOptions& options, at::Generator& gen,
                                 const torch::Device& device, const BatchTransfer& transfer = {});

// Test view: normalisation only.
torch::Tensor eval_batch_tensor(const HostBatch& batch, const AugmentOptions& options, const torch::Device& device,
                                const BatchTransfer& transfer = {});

// The labels as int64 on the device.
torch::Tensor label_tensor(const HostBatch& batch, const torch::Device& device, const BatchTransfer& transfer = {});

}  // namespace adx
