// The classic mixup family's training step (ALGORITHMS.md §3), as OpenMixup's MixUpClassification
// drives it: each iteration picks one mode from the list (by the modes' relative probabilities),
// mixes the batch with it, runs one forward pass and minimises
// w_a·CE(f(x̃), y) + w_b·CE(f(x̃), y[π]).
#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "core/errors.h"
#include "mix/mixing.h"
#include "mix/sampling.h"
#include "train/methods/classic_mixer.h"
#include "train/methods/registry.h"
#include "train/methods/single_classifier.h"

namespace adx {

namespace {

torch::Tensor batch_loss(const torch::Tensor& logits, const torch::Tensor& y, const ClassicMixOutput& m) {
  const auto identity = torch::arange(y.size(0), m.perm.options());
  return mixed_label_loss(logits, y, {identity, m.perm}, {m.weight_a, m.weight_b});
}

// mean_b(w_a[b]·CE_b(y) + w_b[b]·CE_b(y[π])), in fp32.
torch::Tensor per_sample_loss(const torch::Tensor& logits, const torch::Tensor& y, const ClassicMixOutput& m) {
  namespace F = torch::nn::functional;
  const auto z = logits.to(torch::kFloat32);
  const auto none = F::CrossEntropyFuncOptions().reduction(torch::kNone);
  const auto own = F::cross_entropy(z, y, none);
  const auto partner = F::cross_entropy(z, y.index_select(0, m.perm), none);
  return (m.sample_weight_a.to(torch::kFloat32) * own + m.sample_weight_b.to(torch::kFloat32) * partner).mean();
}

class ClassicMix : public SingleClassifierMethod {
 public:
  ClassicMix(const std::vector<ClassicModeOptions>& modes, const ModelOptions& model) : SingleClassifierMethod(model) {
    double total = 0;
    for (const auto& m : modes) {
      mixers_.push_back(make_classic_mixer(m));
      names_.push_back(m.name);
      total += m.probability;
    }
    if (!(total > 0)) throw Error(ErrorCode::Config, "the mixing modes' probabilities must not all be 0");
    double running = 0;
    for (const auto& m : modes) cumulative_.push_back(running += m.probability / total);
  }

  MethodOutput loss(const torch::Tensor& x, const torch::Tensor& y, at::Generator& gen, const ForcedDraws& forced,
                    int64_t) override {
    const size_t mode = pick_mode(gen, forced);
    const auto started = std::chrono::steady_clock::now();
    auto mixed = mixers_[mode]->mix(ClassicMixInput{x, &y, *model_, gen, forced});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auto logits = mixed.logits.defined() ? mixed.logits : model_->forward(mixed.mixed);
    MethodOutput out;
    out.mode = names_[mode];
    out.mix_seconds = std::isnan(mixed.seconds) ? seconds : mixed.seconds;
    out.loss = mixed.sample_weight_a.defined() ? per_sample_loss(logits, y, mixed) : batch_loss(logits, y, mixed);
    out.lambda = mixed.weight_a;
    return out;
  }

  // The mixed images as two sources: the original with share 1 − M and its partner x[π] with M.
  MixPreview preview(const torch::Tensor& x, at::Generator& gen, const ForcedDraws& forced) override {
    auto& mixer = *mixers_[pick_mode(gen, forced)];
    if (!mixer.mixes_images()) {
      throw Error(ErrorCode::Config, "manifoldmix mixes hidden features inside the network; it has no mixed images to show");
    }
    auto mixed = mixer.mix(ClassicMixInput{x, nullptr, *model_, gen, forced});
    MixPreview p;
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
    auto partner = mixed.partner_mask.defined() ? mixed.partner_mask.expand({n, 1, h, w})
                                                : torch::full({n, 1, h, w}, mixed.weight_b, x.options());
    p.masks = torch::cat({1.0 - partner, partner}, 1);
    p.mixed = mixed.mixed;
    p.draws.lambdas = {mixed.weight_a, mixed.weight_b};
    const auto perm = mixed.perm.to(torch::kCPU).contiguous();
    p.draws.permutations = {identity_permutation(n),
                            std::vector<int64_t>(perm.data_ptr<int64_t>(), perm.data_ptr<int64_t>() + n)};
    return p;
  }

 private:
  size_t pick_mode(at::Generator& gen, const ForcedDraws& forced) const {
    if (forced.mode) {
      if (*forced.mode < 0 || *forced.mode >= static_cast<int64_t>(mixers_.size())) {
        throw Error(ErrorCode::Config, "forced mode " + std::to_string(*forced.mode) + " is not one of the " +
                                           std::to_string(mixers_.size()) + " mixing modes");
      }
      return static_cast<size_t>(*forced.mode);
    }
    if (mixers_.size() == 1) return 0;
    const double u = sample_uniform(gen);
    for (size_t i = 0; i + 1 < cumulative_.size(); ++i) {
      if (u < cumulative_[i]) return i;
    }
    return cumulative_.size() - 1;
  }

  std::vector<std::unique_ptr<ClassicMixer>> mixers_;
  std::vector<std::string> names_;
  std::vector<double> cumulative_;
};

}  // namespace

std::unique_ptr<TrainMethod> make_classic(const MethodOptions& o, const ModelOptions& model, const LrSchedule&) {
  auto modes = o.modes;
  if (modes.empty()) {
    ClassicModeOptions single;
    single.name = o.name;
    single.alpha = o.alpha;
    modes.push_back(single);
  }
  return std::make_unique<ClassicMix>(modes, model);
}

}  // namespace adx
