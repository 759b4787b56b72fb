// The mixups that blend whole samples with one λ: Mixup on the images, ManifoldMix on the input or
// on a stage's output inside the backbone (ALGORITHMS.md §3).
#include <torch/torch.h>

#include <chrono>

#include "core/errors.h"
#include "mix/sampling.h"
#include "train/methods/classic_mixer.h"

namespace adx {

namespace {

// x̃ = λx + (1−λ)x[π].
class Mixup : public ClassicMixer {
 public:
  explicit Mixup(const ClassicModeOptions& o) : alpha_(o.alpha) {}

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    ClassicMixOutput out;
    const double lambda = classic_lambda(in, alpha_);
    out.perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    out.mixed = in.x * lambda + in.x.index_select(0, out.perm) * (1.0 - lambda);
    out.weight_a = lambda;
    out.weight_b = 1.0 - lambda;
    return out;
  }

 private:
  double alpha_;
};

// Layer ℓ ~ U{first..last}: ℓ = 0 mixes the input, ℓ = k the output of stage k (1-based), as
// OpenMixup's layer=(0,3). The mixed hidden state is λh + (1−λ)h[π].
class ManifoldMix : public ClassicMixer {
 public:
  explicit ManifoldMix(const ClassicModeOptions& o)
      : alpha_(o.alpha), first_(o.manifold_first_layer), last_(o.manifold_last_layer) {}

  bool mixes_images() const override { return false; }

  ClassicMixOutput mix(const ClassicMixInput& in) override {
    auto& backbone = *in.model.backbone;
    if (last_ >= backbone.num_stages()) {
      throw Error(ErrorCode::Config, "manifoldmix layers go up to " + std::to_string(last_) + " but the backbone has " +
                                         std::to_string(backbone.num_stages()) + " stages (the last layer must be below that)");
    }
    ClassicMixOutput out;
    const double lambda = classic_lambda(in, alpha_);
    out.perm = classic_permutation(in, /*avoid_fixed_points=*/false);
    out.weight_a = lambda;
    out.weight_b = 1.0 - lambda;
    const int64_t layer = sample_int(first_, last_, in.gen);
    const auto perm = out.perm;
    double seconds = 0;
    const auto blend = [lambda, perm, &seconds](const torch::Tensor& h) {
      const auto started = std::chrono::steady_clock::now();
      auto mixed = h * lambda + h.index_select(0, perm) * (1.0 - lambda);
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      return mixed;
    };
    if (layer == 0) {
      out.logits = in.model.forward(blend(in.x));
      out.seconds = seconds;
      return out;
    }
    StageHookScope scope(backbone, [&](int64_t stage, const torch::Tensor& h) {
      return stage == layer - 1 ? blend(h) : h;
    });
    out.logits = in.model.forward(in.x);
    out.seconds = seconds;
    return out;
  }

 private:
  double alpha_;
  int64_t first_, last_;
};

}  // namespace

std::unique_ptr<ClassicMixer> make_linear_mixer(const ClassicModeOptions& o) {
  if (o.name == "mixup") return std::make_unique<Mixup>(o);
  if (o.manifold_first_layer < 0 || o.manifold_last_layer < o.manifold_first_layer) {
    throw Error(ErrorCode::Config, "manifoldmix layers must satisfy 0 <= first <= last");
  }
  return std::make_unique<ManifoldMix>(o);
}

}  // namespace adx
