// RandAugment with the FixMatch policy list, as OpenMixup's ViT/ConvNeXt CIFAR pipelines use it
// (ALGORITHMS.md §5.1): per image, `ops` operations drawn with replacement from the 14 below,
// each applied with probability 1/2 at a magnitude level drawn from N(level, level_std²) and
// clipped to [0, total_level]; signed operations flip their sign with probability 1/2. Works on
// float pixel values in [0, 255] ([n,c,h,w]); every operation ends rounded and clipped to the
// 8-bit range, as it does on the original's uint8 images. Geometric operations fill uncovered
// pixels with `fill` and sample bicubically.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace adx {

enum class RandOp {
  AutoContrast, Brightness, Color, Contrast, Equalize, Identity, Posterize, Rotate, Sharpness,
  ShearX, ShearY, Solarize, TranslateX, TranslateY,
};

struct RandAugmentOptions {
  bool enabled = false;
  int64_t ops = 2;           // operations per image
  double level = 7;          // magnitude level
  double level_std = 0.5;    // its per-operation jitter
  double total_level = 10;   // the level that means the top of each magnitude range
  std::vector<double> fill{114, 123, 125};  // per channel, in pixel units
};

// The operation named as in the policy list (E_CONFIG for an unknown name).
RandOp rand_op_from_name(const std::string& name);

// The operation's magnitude at `level` (of total_level): the policy list's range mapped linearly.
double rand_op_magnitude(RandOp op, double level, double total_level);

// One operation on one image [c,h,w] with a signed magnitude (already drawn).
torch::Tensor apply_rand_op(const torch::Tensor& image, RandOp op, double magnitude, const std::vector<double>& fill);

// The whole RandAugment on a batch [n,c,h,w], draws from `gen`.
torch::Tensor rand_augment(const torch::Tensor& images, const RandAugmentOptions& options, at::Generator& gen);

void check_rand_augment(const RandAugmentOptions& options, int64_t channels);

}  // namespace adx
