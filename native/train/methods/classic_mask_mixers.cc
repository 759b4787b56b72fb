// The mixups with a per-pixel partner mask M, x̃ = x·(1−M) + x[π]·M: FMix, GridMix and SmoothMix
// (ALGORITHMS.md §3; the masks are in mix/classic/masks.h). One mask per batch.
#include <torch/torch.h>

#include "core/errors.h"
#include "mix/classic/masks.h"
#include "train/methods/classic_mixer.h"
#include "core/host_to_device.h"

namespace adx {

namespace {

ClassicMixOutput with_mask(const ClassicMixInput& in, torch::Tensor perm, const torch::Tensor& mask, double weight_a) {
  auto partner = to_device_async(mask.to(in.x.scalar_type()), in.x.device()).unsqueeze(0).unsqueeze(0);
  auto mixed = mix_with_partner(in.x, perm, partner);
  return two_source_output(std::move(perm), std::move(mixed), std::move(partner), weight_a);
}

double mean_of(const torch::Tensor& mask) { return mask.to(torch::kFloat64).mean().item<double>(); }

// A binarised low-frequency mask keeps the original on a λ share of the pixels. The label weight
// is that share as realised (⌈λHW⌉ or ⌊λHW⌋ pixels), within 1/(HW) of λ.
class FMix : public ClassicMixer {
 public:
  explicit FMix(const ClassicModeOptions& o) : alpha_(o.alpha), decay_(o.fmix_decay) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    const double lambda = classic_lambda(in, alpha_);
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/true);
    const auto mask = fmix_partner_mask(in.x.size(2), in.x.size(3), lambda, decay_, in.gen);
    return with_mask(in, std::move(perm), mask, 1.0 - mean_of(mask));
  }

 private:
  double alpha_, decay_;
};

class GridMix : public ClassicMixer {
 public:
  explicit GridMix(const ClassicModeOptions& o) : alpha_(o.alpha) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    const double lambda = classic_lambda(in, alpha_);
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    const auto mask = grid_partner_mask(in.x.size(2), in.x.size(3), lambda, in.gen);
    return with_mask(in, std::move(perm), mask, 1.0 - mean_of(mask));
  }

 private:
  double alpha_;
};

// A Gaussian blob of the partner. λ is drawn but shapes nothing. The original
// gives y the weight mean(G), which is the partner's share (ALGORITHMS.md §7); the
// smoothmix_share_label fix gives it 1 − mean(G).
class SmoothMix : public ClassicMixer {
 public:
  explicit SmoothMix(const ClassicModeOptions& o) : alpha_(o.alpha), share_label_(o.smoothmix_share_label) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    classic_lambda(in, alpha_);  // drawn as the original draws it, so the random stream matches its order
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    const auto mask = gaussian_partner_mask(in.x.size(2), in.x.size(3), in.gen);
    const double partner_share = mean_of(mask);
    return with_mask(in, std::move(perm), mask, share_label_ ? 1.0 - partner_share : partner_share);
  }

 private:
  double alpha_;
  bool share_label_;
};

}  // namespace

std::unique_ptr<ClassicMixer> make_mask_mixer(const ClassicModeOptions& o) {
  if (o.name == "fmix") {
    if (!(o.fmix_decay > 0)) throw Error(ErrorCode::Config, "fmix decay power must be > 0");
    return std::make_unique<FMix>(o);
  }
  if (o.name == "gridmix") return std::make_unique<GridMix>(o);
  return std::make_unique<SmoothMix>(o);
}

}  // namespace adx
