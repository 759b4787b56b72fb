// AdAutoMix (ALGORITHMS.md §1): the AdaptiveMask generator mixes N sources; the generator is
// trained through the frozen EMA teacher, adversarially every adv_interval-th step (−β·L_k plus
// the cosine term) and cooperatively otherwise; the online network learns from the generator's
// detached masks, the clean batch and (N ≥ 3) linear N-way mixup. Each branch is backpropagated as
// soon as it is computed, then one SGD step and the EMA update. With the exact fast path the
// teacher runs once on the clean batch (DECISIONS.md).
#include <torch/torch.h>

#include "core/errors.h"
#include "mix/adaptive_mask.h"
#include "mix/mixing.h"
#include "mix/sampling.h"
#include "train/bn_replay.h"
#include "train/methods/learned_mix.h"
#include "train/methods/registry.h"

namespace adx {

namespace {

namespace F = torch::nn::functional;

class AdAutoMix : public LearnedMixMethod {
 public:
  AdAutoMix(const MethodOptions& method, const ModelOptions& model, const LrSchedule& schedule)
      : LearnedMixMethod(method, model, schedule) {
    const auto& o = options();
    if (o.mix_samples < 2 || o.mix_samples > 16) throw Error(ErrorCode::Config, "mixSamples must be in [2, 16]");
    if (o.adv_interval < 1) throw Error(ErrorCode::Config, "advInterval must be at least 1");
    mask_generator_ = AdaptiveMask(AdaptiveMaskOptions{feature_channels(), o.lam_concat, o.attention_batch_norm});
    set_generator(mask_generator_.ptr());
    replay_ = std::make_unique<BatchNormReplay>(*net()->backbone_k);
  }

  MethodOutput loss(const torch::Tensor& x, const torch::Tensor& y, at::Generator& gen, const ForcedDraws& forced,
                    int64_t step) override {
    const auto& o = options();
    const auto draws = step_draws(x, gen, forced);
    const auto& [mb, bb, perms_mb, perms_bb, skip] = draws;
    const int64_t n = static_cast<int64_t>(mb.lambdas.size());
    const bool fast = o.exact_fast_path;

    // The adversarial phase (§1.8): the original's counter, reset on every adversarial step.
    const bool adversarial = counter_ % o.adv_interval == 0;
    if (adversarial) counter_ = 0;
    ++counter_;

    // STEP 2: teacher features of the clean batch. The fast path also keeps the teacher's logits
    // (they replace the N cosine-term passes) and records the BN statistics to replay.
    const bool replaying = fast && !skip;
    if (replaying) replay_->begin_capture();
    const auto stages = teacher_stages(x);
    if (replaying) replay_->end_capture();
    const auto& features = stages[net()->backbone_k->mix_stage()];
    torch::Tensor clean_logits;
    if (replaying) {
      torch::NoGradGuard no_grad;
      clean_logits = net()->head_mix_k(net()->backbone_k->pool(stages.back())).to(torch::kFloat32);
    }
    const int64_t scale = mask_scale(x, features);
    const UpsampleMode mode = upsample_mode(gen);

    // STEP 3: the masks. The generator branch keeps its graph; the classifier's is detached.
    // A skipped generator branch still runs a generator with BN running statistics, which the
    // literal path updates with this call.
    torch::Tensor mask_mb;
    if (!(fast && skip)) {
      mask_mb = generator_masks(features, mb, perms_mb, scale, mode);
    } else if (generator_has_running_stats()) {
      torch::NoGradGuard no_grad;
      generator_masks(features, mb, perms_mb, scale, mode);
    }
    const bool linear_bb = classifier_mask_is_linear(bb.lambdas, o.lam_margin, o.openmixup_margin_rule);
    const auto mask_bb = classifier_masks(x, features, bb, perms_bb, scale, mode, linear_bb);

    MethodOutput out;
    out.sources = n;
    out.adversarial = adversarial && !skip;
    out.lambda = bb.lambdas[0];

    // STEPS 4-5: the generator's loss through the frozen teacher (gradients reach only the generator).
    IncrementalBackward backward;
    if (!skip) {
      const auto x_mb = mix_images(x, mask_mb, perms_mb);
      const auto z_mb = teacher_mix_logits(x_mb);
      const auto teacher_loss = mixed_label_loss(z_mb, y, perms_mb, mb.lambdas);
      const auto cosine = cosine_term(x, z_mb, clean_logits, mb, perms_mb);
      out.terms.push_back({"mix_k", teacher_loss.detach()});
      out.terms.push_back({"cosine", cosine.detach()});
      torch::Tensor generator_loss = teacher_loss;
      if (adversarial) {
        const auto similarity = o.cosine_as_distance ? (1.0 - cosine) * (1.0 - o.beta_ratio)
                                                     : cosine * (1.0 - o.beta_ratio);
        generator_loss = teacher_loss * (-o.beta_ratio) + similarity;
      }
      out.terms.push_back({"generator", generator_loss.detach()});
      backward.add(generator_loss);
    }

    // STEP 6: the online network's losses (§1.7), in the original's forward order.
    const auto one_hot = online_one_hot_loss(x, y, out);
    if (n > 2) {
      backward.add(one_hot * (1.0 - o.mixup_ratio));
      const auto x_lin = mix_linear(x, bb.lambdas, perms_bb);
      const auto linear = mixed_label_loss(online_mix_logits(x_lin), y, perms_bb, bb.lambdas);
      out.terms.push_back({"linear_q", linear.detach()});
      backward.add(linear * o.mixup_ratio);
    } else {
      backward.add(one_hot);
    }
    add_online_mix_loss(x, y, mask_bb, perms_bb, bb, out, backward);
    backward.finish(out);
    return out;
  }

  std::vector<std::pair<std::string, int64_t>> counters() const override {
    auto all = LearnedMixMethod::counters();
    all.emplace_back("adversarial_counter", counter_);
    return all;
  }
  void set_counters(const std::map<std::string, int64_t>& counters) override {
    const int64_t counter = counters.at("adversarial_counter");
    if (counter < 0) throw Error(ErrorCode::Checkpoint, "the checkpoint's adversarial_counter is negative");
    LearnedMixMethod::set_counters(counters);
    counter_ = counter;
  }

 protected:
  torch::Tensor generator_masks(const torch::Tensor& features, const BranchDraws& d, const std::vector<torch::Tensor>& perms,
                                int64_t scale, UpsampleMode mode) override {
    std::vector<torch::Tensor> sources;
    for (const auto& p : perms) sources.push_back(features.index_select(0, p));
    return mask_generator_->forward(sources, d.lambdas, scale, mode, options().exact_fast_path);
  }

  // §1.4: N, λ and the permutations of both branches, or the forced ones.
  void draw(const ForcedDraws& forced, int64_t batch, at::Generator& gen, BranchDraws& mb, BranchDraws& bb) const override {
    if (take_forced_draws(forced, batch, mb, bb)) return;
    const auto& o = options();
    const int64_t n = o.random_samples ? sample_int(2, o.mix_samples, gen) : o.mix_samples;
    auto first = branch_permutation(batch, gen, false);  // the original's index_mb
    auto second = branch_permutation(batch, gen, true);  // index_bb
    if (n == 2) {
      const auto u = sample_betas(alpha(), 2, gen);
      mb = two_source_branch(u[0], std::move(first));
      bb = two_source_branch(u[1], std::move(second));
      return;
    }
    std::vector<double> lambdas;
    if (o.dirichlet_lambdas) {
      lambdas = sample_dirichlet(alpha(), n, gen);
    } else {
      lambdas = sample_betas(alpha(), n, gen);
      double sum = 0;
      for (double l : lambdas) sum += l;
      for (double& l : lambdas) l /= sum;
    }
    mb = {lambdas, {std::move(first), std::move(second)}};
    for (int64_t i = 2; i < n; ++i) mb.permutations.push_back(sample_permutation_values(batch, gen));
    bb = {lambdas, {}};
    for (int64_t i = 0; i < n; ++i) bb.permutations.push_back(sample_permutation_values(batch, gen));
  }

 private:
  // §1.9: mean_b Σ_i λ_i·cos(z_mb[b], p(x[π_i])[b]) with p the teacher's mixup-head logits; only
  // z_mb carries a gradient. The fast path reads p(x[π_i]) as p(x)[π_i] (train-mode BN statistics
  // do not depend on the order of the batch) and replays the N passes' BN updates.
  torch::Tensor cosine_term(const torch::Tensor& x, const torch::Tensor& z_mb, const torch::Tensor& clean_logits,
                            const BranchDraws& mb, const std::vector<torch::Tensor>& perms) {
    std::vector<torch::Tensor> source_logits;
    if (clean_logits.defined()) {
      for (const auto& p : perms) source_logits.push_back(clean_logits.index_select(0, p));
      replay_->replay(static_cast<int64_t>(perms.size()));
    } else {
      torch::NoGradGuard no_grad;
      for (const auto& p : perms) source_logits.push_back(teacher_mix_logits(x.index_select(0, p)));
    }
    torch::Tensor sum;
    for (size_t i = 0; i < perms.size(); ++i) {
      auto term = F::cosine_similarity(z_mb, source_logits[i], F::CosineSimilarityFuncOptions().dim(-1)) * mb.lambdas[i];
      sum = sum.defined() ? sum + term : term;
    }
    return sum.mean();
  }

  AdaptiveMask mask_generator_{nullptr};
  std::unique_ptr<BatchNormReplay> replay_;
  int64_t counter_ = 0;
};

}  // namespace

std::unique_ptr<TrainMethod> make_adautomix(const MethodOptions& method, const ModelOptions& model,
                                            const LrSchedule& schedule) {
  return std::make_unique<AdAutoMix>(method, model, schedule);
}

}  // namespace adx
