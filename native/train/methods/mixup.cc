// Mixup (ALGORITHMS.md §3): one λ ~ Beta(α,α) and one permutation π per batch,
// x̃ = λx + (1−λ)x[π], loss = λ·CE(f(x̃), y) + (1−λ)·CE(f(x̃), y[π]).
#include <torch/torch.h>

#include "core/errors.h"
#include "mix/mixing.h"
#include "mix/sampling.h"
#include "train/methods/mixed_labels.h"
#include "train/methods/registry.h"
#include "train/methods/single_classifier.h"

namespace adx {

namespace {

class Mixup : public SingleClassifierMethod {
 public:
  Mixup(const MethodOptions& o, const ModelOptions& model) : SingleClassifierMethod(model), alpha_(o.alpha) {}

  MethodOutput loss(const torch::Tensor& x, const torch::Tensor& y, at::Generator& gen, const ForcedDraws& forced,
                    int64_t) override {
    const double lambda = forced.lambda ? *forced.lambda : sample_beta(alpha_, gen);
    const auto perm = forced_or_random_permutation(forced, x.size(0), gen).to(x.device());
    auto mixed = x * lambda + x.index_select(0, perm) * (1.0 - lambda);
    auto logits = model_->forward(mixed);
    MethodOutput out;
    const auto identity = torch::arange(x.size(0), perm.options());
    out.loss = mixed_label_loss(logits, y, {identity, perm}, {lambda, 1.0 - lambda});
    out.lambda = lambda;
    return out;
  }

 private:
  double alpha_;
};

}  // namespace

std::unique_ptr<TrainMethod> make_mixup(const MethodOptions& o, const ModelOptions& model, const LrSchedule&) {
  if (!(o.alpha > 0)) throw Error(ErrorCode::Config, "mixup alpha must be > 0");
  return std::make_unique<Mixup>(o, model);
}

}  // namespace adx
