// Batch preparation on uint8 NHWC input: random crop with reflect padding and horizontal flip
// (training), then conversion to normalised float NCHW on the training device.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <vector>

#include "data/batch.h"

namespace adx {

struct AugmentOptions {
  int64_t crop_padding = 0;   // 0: no random crop
  bool flip = false;          // horizontal flip with probability 1/2
  std::vector<double> mean;   // per channel, in [0,1] pixel units
  std::vector<double> std;
};

// E_CONFIG unless mean/std hold one finite value per channel, with every std > 0.
void check_normalisation(const AugmentOptions& options, int64_t channels);

// E_CONFIG unless the crop padding is smaller than an h×w image (reflect padding needs it).
void check_crop_fits(const AugmentOptions& options, int64_t h, int64_t w);

// Training view of the batch: crop offsets and flips drawn from `gen`, one per sample.
torch::Tensor train_batch_tensor(const HostBatch& batch, const AugmentOptions& options, at::Generator& gen,
                                 const torch::Device& device);

// Test view: normalisation only.
torch::Tensor eval_batch_tensor(const HostBatch& batch, const AugmentOptions& options, const torch::Device& device);

// The labels as int64 on the device.
torch::Tensor label_tensor(const HostBatch& batch, const torch::Device& device);

}  // namespace adx
