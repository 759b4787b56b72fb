// SnapMix (ALGORITHMS.md §3, the AdAutoMix repository's version with its CAM step): a box of the
// partner, taken from a box of its own size and place, is resized into a box of the image; the
// label weights come from class activation maps (CAMs) instead of areas.
#include <torch/torch.h>

#include <cmath>

#include "core/errors.h"
#include "mix/classic/regions.h"
#include "mix/sampling.h"
#include "train/eval_mode_scope.h"
#include "train/methods/classic_mixer.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

// Per-sample CAMs of `classes` for x, [B,H,W], each normalised to sum 1 (NaN where a CAM is
// flat): the current model in eval mode, ReLU of the last stage, the head's weights and bias of
// the class as a 1×1 convolution, bilinear upsampling, minus the minimum, over the sum. For Swin
// and ConvNeXt the last stage is read before their final norm.
torch::Tensor class_activation_maps(ClassifierImpl& model, const torch::Tensor& x, const torch::Tensor& classes) {
  torch::NoGradGuard no_grad;
  torch::Tensor features;
  {
    EvalModeScope eval(model);
    features = torch::relu(model.backbone->forward(x).back());
  }
  const auto weight = model.head->fc->weight.index_select(0, classes);  // [B,C]
  const auto bias = model.head->fc->bias.index_select(0, classes);      // [B]
  auto cam = (features * weight.unsqueeze(2).unsqueeze(3)).sum(1) + bias.view({-1, 1, 1});
  cam = F::interpolate(cam.unsqueeze(1), F::InterpolateFuncOptions()
                                             .size(std::vector<int64_t>{x.size(2), x.size(3)})
                                             .mode(torch::kBilinear)
                                             .align_corners(false))
            .squeeze(1);
  cam = cam - std::get<0>(cam.flatten(1).min(1)).view({-1, 1, 1});
  return cam / cam.flatten(1).sum(1).view({-1, 1, 1});
}

torch::Tensor box_sums(const torch::Tensor& maps, const Box& b) {
  return maps.narrow(1, b.y0, b.height()).narrow(2, b.x0, b.width()).sum({1, 2});
}

class SnapMix : public ClassicMixer {
 public:
  explicit SnapMix(const ClassicModeOptions& o) : alpha_(o.alpha), per_sample_(o.snapmix_per_sample) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    const auto& x = in.x;
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
    const double lambda_target = classic_lambda(in, alpha_);
    const double lambda_source = sample_beta(alpha_, in.gen);
    ClassicMixOutput out;
    out.perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    const auto target = random_cut_box(h, w, lambda_target, in.gen);
    const auto source = random_cut_box(h, w, lambda_source, in.gen);
    auto weight_a = torch::ones({n}, x.options().dtype(torch::kFloat64));
    auto weight_b = torch::zeros({n}, x.options().dtype(torch::kFloat64));
    out.mixed = x.clone();
    out.partner_mask = box_partner_mask(h, w, Box{}, x.options());
    if (target.area() > 0 && source.area() > 0) {
      // A preview has no labels: the CAMs then read the predicted classes.
      const auto classes = in.y != nullptr ? *in.y : predicted(in.model, x);
      const auto maps = class_activation_maps(in.model, x, classes).to(torch::kFloat64);
      const auto partner = x.index_select(0, out.perm);
      const auto crop = partner.narrow(2, source.y0, source.height()).narrow(3, source.x0, source.width());
      out.mixed.narrow(2, target.y0, target.height()).narrow(3, target.x0, target.width())
          .copy_(F::interpolate(crop, F::InterpolateFuncOptions()
                                          .size(std::vector<int64_t>{target.height(), target.width()})
                                          .mode(torch::kBilinear)
                                          .align_corners(true)));
      out.partner_mask = box_partner_mask(h, w, target, x.options());
      auto own = 1.0 - box_sums(maps, target);
      auto theirs = box_sums(maps.index_select(0, out.perm), source);
      // A sample mixed with its own class gets both shares for it.
      const auto same = classes.eq(classes.index_select(0, out.perm));
      const auto both = own + theirs;
      own = torch::where(same, both, own);
      theirs = torch::where(same, both, theirs);
      const double area = share_outside(target, h, w);
      weight_a = torch::where(own.isnan(), torch::full_like(own, area), own);
      weight_b = torch::where(theirs.isnan(), torch::full_like(theirs, 1.0 - area), theirs);
    }
    out.weight_a = weight_a.mean().item<double>();
    out.weight_b = weight_b.mean().item<double>();
    if (per_sample_) {
      out.sample_weight_a = weight_a;
      out.sample_weight_b = weight_b;
    }
    return out;
  }

 private:
  static torch::Tensor predicted(ClassifierImpl& model, const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    return model.forward(x).argmax(1);
  }

  double alpha_;
  bool per_sample_;
};

}  // namespace

std::unique_ptr<ClassicMixer> make_snapmix_mixer(const ClassicModeOptions& o) { return std::make_unique<SnapMix>(o); }

}  // namespace adx
