// The mixups that paste a rectangle of the partner x[π] into every image: CutMix, ResizeMix and
// SaliencyMix (ALGORITHMS.md §3). One box per batch; the label λ is the area left to the original
// after clipping.
#include <torch/torch.h>

#include "core/errors.h"
#include "mix/classic/regions.h"
#include "mix/classic/saliency.h"
#include "mix/sampling.h"
#include "train/methods/classic_mixer.h"

namespace adx {

namespace {

ClassicMixOutput with_box(const ClassicMixInput& in, torch::Tensor perm, const Box& box, torch::Tensor mixed) {
  const int64_t h = in.x.size(2), w = in.x.size(3);
  return two_source_output(std::move(perm), std::move(mixed), box_partner_mask(h, w, box, in.x.options()), share_outside(box, h, w));
}

// λ ~ Beta(α,α); a box of sides √(1−λ) of the image's at a uniform centre shows x[π]. π avoids fixed
// points (up to 10 redraws), as the original.
class CutMix : public ClassicMixer {
 public:
  explicit CutMix(const ClassicModeOptions& o) : alpha_(o.alpha) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    const double lambda = classic_lambda(in, alpha_);
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/true);
    const auto box = random_cut_box(in.x.size(2), in.x.size(3), lambda, in.gen);
    auto mixed = paste_box(in.x, in.x.index_select(0, perm), box);
    return with_box(in, std::move(perm), box, std::move(mixed));
  }

 private:
  double alpha_;
};

// The whole partner image, shrunk (nearest) to a box of scale τ: τ ~ Beta(α,α), replaced by
// U(min, max) when it falls outside [min, max] (every released config uses α).
class ResizeMix : public ClassicMixer {
 public:
  explicit ResizeMix(const ClassicModeOptions& o) : alpha_(o.alpha), min_(o.resize_min_scale), max_(o.resize_max_scale) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    double tau = classic_lambda(in, alpha_);
    if (tau < min_ || tau > max_) tau = min_ + (max_ - min_) * sample_uniform(in.gen);
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    const int64_t h = in.x.size(2), w = in.x.size(3);
    const int64_t cx = sample_int(0, w - 1, in.gen);
    const int64_t cy = sample_int(0, h - 1, in.gen);
    const auto side = [tau](int64_t s) { return static_cast<int64_t>(std::floor(tau * static_cast<double>(s))); };
    const auto box = box_around(h, w, side(h), side(w), cy, cx);
    auto mixed = paste_resized(in.x, in.x.index_select(0, perm), box);
    return with_box(in, std::move(perm), box, std::move(mixed));
  }

 private:
  double alpha_, min_, max_;
};

// CutMix's box centred on the saliency peak of one partner image, x[π[0]], used for the whole
// batch (spectral-residual saliency; see mix/classic/saliency.h).
class SaliencyMix : public ClassicMixer {
 public:
  explicit SaliencyMix(const ClassicModeOptions& o) : alpha_(o.alpha) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    const double lambda = classic_lambda(in, alpha_);
    auto perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    auto partner = in.x.index_select(0, perm);
    const auto [cy, cx] = saliency_peak(spectral_residual_saliency(partner[0]));
    const int64_t h = in.x.size(2), w = in.x.size(3);
    const auto box = cut_box_around(h, w, lambda, cy, cx);
    auto mixed = paste_box(in.x, partner, box);
    return with_box(in, std::move(perm), box, std::move(mixed));
  }

 private:
  double alpha_;
};

}  // namespace

std::unique_ptr<ClassicMixer> make_box_mixer(const ClassicModeOptions& o) {
  if (o.name == "cutmix") return std::make_unique<CutMix>(o);
  if (o.name == "saliencymix") return std::make_unique<SaliencyMix>(o);
  if (!(o.resize_min_scale > 0 && o.resize_min_scale <= o.resize_max_scale && o.resize_max_scale <= 1)) {
    throw Error(ErrorCode::Config, "resizemix scales must satisfy 0 < min <= max <= 1");
  }
  return std::make_unique<ResizeMix>(o);
}

}  // namespace adx
