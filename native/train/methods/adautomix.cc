// AdAutoMix (ALGORITHMS.md §1): the AdaptiveMask generator mixes N sources; the generator is
// trained through the frozen EMA teacher, adversarially every adv_interval-th step (−β·L_k plus
// the cosine term) and cooperatively otherwise; the online network learns from the generator's
// detached masks, the clean batch and (N ≥ 3) linear N-way mixup. Each branch is backpropagated as
// soon as it is computed, then one SGD step and the EMA update. With the exact fast path the
// teacher runs once on the clean batch (DECISIONS.md). The step is split into a host part (the
// draws) and a device part that reads them from tensors, so CUDA graphs can replay it.
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

  bool plans_steps() const override { return true; }

  // The host part: §1.4's draws, the switch_off coin, the adversarial phase (§1.8: the original's
  // counter, reset on every adversarial step), the upsampling mode and lam_margin's choice.
  std::optional<StepPlan> plan_step(int64_t batch, at::Generator& gen, const ForcedDraws& forced, int64_t) override {
    const auto draws = step_draws(batch, gen, forced);
    const bool adversarial = counter_ % options().adv_interval == 0;
    if (adversarial) counter_ = 0;
    ++counter_;
    Structure s;
    s.skip = draws.skip_generator;
    s.adversarial = adversarial;
    s.mode = upsample_mode(gen);
    s.linear_bb = classifier_mask_is_linear(draws.bb.lambdas, options().lam_margin, options().openmixup_margin_rule);
    auto plan = plan_for(draws, "adautomix",
                         "skip=" + std::to_string(s.skip) + " adv=" + std::to_string(s.adversarial) +
                             " linear=" + std::to_string(s.linear_bb),
                         s.mode);
    plan.adversarial = adversarial && !s.skip;
    plan.run = [this, s](const torch::Tensor& x, const torch::Tensor& y, const std::vector<torch::Tensor>& inputs) {
      return run_step(x, y, inputs, s);
    };
    return plan;
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
  torch::Tensor generator_masks(const torch::Tensor& features, const BranchInputs& branch, int64_t scale,
                                UpsampleMode mode) override {
    std::vector<torch::Tensor> sources;
    for (const auto& p : branch.perms) sources.push_back(features.index_select(0, p));
    return mask_generator_->forward(sources, branch.lambdas, scale, mode, options().exact_fast_path);
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
  // What the host part decided that changes the device part's kernels.
  struct Structure {
    bool skip = false;         // the generator branch is switched off this step
    bool adversarial = false;  // the generator maximises the teacher's loss
    bool linear_bb = false;    // lam_margin: the classifier branch mixes linearly
    UpsampleMode mode = UpsampleMode::Bilinear;
  };

  // The device part (STEPS 2-6). Every per-step number comes from `inputs`.
  MethodOutput run_step(const torch::Tensor& x, const torch::Tensor& y, const std::vector<torch::Tensor>& inputs,
                        const Structure& s) {
    const auto& o = options();
    const auto [mb, bb] = branch_inputs(inputs);
    const bool fast = o.exact_fast_path;
    const auto n = static_cast<int64_t>(mb.perms.size());

    // STEP 2: teacher features of the clean batch. The fast path also keeps the teacher's logits
    // (they replace the N cosine-term passes) and records the BN statistics to replay.
    const bool replaying = fast && !s.skip;
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

    // STEP 3: the masks. The generator branch keeps its graph; the classifier's is detached.
    // A skipped generator branch still runs a generator with BN running statistics, which the
    // literal path updates with this call.
    torch::Tensor mask_mb;
    if (!(fast && s.skip)) {
      mask_mb = generator_masks(features, mb, scale, s.mode);
    } else if (generator_has_running_stats()) {
      torch::NoGradGuard no_grad;
      generator_masks(features, mb, scale, s.mode);
    }
    const auto mask_bb = classifier_masks(x, features, bb, scale, s.mode, s.linear_bb);

    // STEPS 4-5: the generator's loss through the frozen teacher (gradients reach only the generator).
    MethodOutput out;
    IncrementalBackward backward;
    if (!s.skip) {
      const auto x_mb = mix_images(x, mask_mb, mb.perms);
      const auto z_mb = teacher_mix_logits(x_mb);
      const auto teacher_loss = mixed_label_loss(z_mb, y, mb.perms, mb.lambdas);
      const auto cosine = cosine_term(x, z_mb, clean_logits, mb);
      out.terms.push_back({"mix_k", teacher_loss.detach()});
      out.terms.push_back({"cosine", cosine.detach()});
      torch::Tensor generator_loss = teacher_loss;
      if (s.adversarial) {
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
      const auto x_lin = mix_linear(x, bb.lambdas, bb.perms);
      const auto linear = mixed_label_loss(online_mix_logits(x_lin), y, bb.perms, bb.lambdas);
      out.terms.push_back({"linear_q", linear.detach()});
      backward.add(linear * o.mixup_ratio);
    } else {
      backward.add(one_hot);
    }
    add_online_mix_loss(x, y, mask_bb, bb, out, backward);
    backward.finish(out);
    return out;
  }

  // §1.9: mean_b Σ_i λ_i·cos(z_mb[b], p(x[π_i])[b]) with p the teacher's mixup-head logits; only
  // z_mb carries a gradient. The fast path reads p(x[π_i]) as p(x)[π_i] (train-mode BN statistics
  // do not depend on the order of the batch) and replays the N passes' BN updates.
  torch::Tensor cosine_term(const torch::Tensor& x, const torch::Tensor& z_mb, const torch::Tensor& clean_logits,
                            const BranchInputs& mb) {
    const auto& perms = mb.perms;
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
      auto term = F::cosine_similarity(z_mb, source_logits[i], F::CosineSimilarityFuncOptions().dim(-1)) *
                  mb.lambdas[static_cast<int64_t>(i)];
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
