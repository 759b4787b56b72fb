// AutoMix (ALGORITHMS.md §2): the PixelMixBlock mixes x with x[π]; the block learns cooperatively
// through the frozen EMA teacher (L_k) plus the mask loss that pulls the mean mask towards λ; the
// online network learns from the block's detached masks and the clean batch. Each branch is
// backpropagated as soon as it is computed, then one SGD step and the EMA update, on the same
// machinery as AdAutoMix.
#include <torch/torch.h>

#include <cmath>

#include "core/errors.h"
#include "mix/mixing.h"
#include "mix/pixel_mix_block.h"
#include "mix/sampling.h"
#include "train/methods/learned_mix.h"
#include "train/methods/registry.h"

namespace adx {

namespace {

class AutoMix : public LearnedMixMethod {
 public:
  AutoMix(const MethodOptions& method, const ModelOptions& model, const LrSchedule& schedule)
      : LearnedMixMethod(method, model, schedule) {
    mix_block_ = PixelMixBlock(PixelMixBlockOptions{feature_channels(), options().lam_concat});
    set_generator(mix_block_.ptr());
  }

  bool plans_steps() const override { return true; }

  // The host part: §2.1's draws, the switch_off coin, the upsampling mode, lam_margin's choice and
  // this step's mask-loss weight (an input: it is annealed per step).
  std::optional<StepPlan> plan_step(int64_t batch, at::Generator& gen, const ForcedDraws& forced,
                                    int64_t step) override {
    const auto draws = step_draws(batch, gen, forced);
    const bool skip = draws.skip_generator;
    const UpsampleMode mode = upsample_mode(gen);
    const bool linear_bb = classifier_mask_is_linear(draws.bb.lambdas, options().lam_margin, false);
    auto plan = plan_for(draws, "automix", "skip=" + std::to_string(skip) + " linear=" + std::to_string(linear_bb), mode);
    plan.inputs.push_back(torch::tensor(mask_loss_weight(step), torch::kFloat64).to(torch::kFloat32));
    plan.run = [this, skip, mode, linear_bb](const torch::Tensor& x, const torch::Tensor& y,
                                             const std::vector<torch::Tensor>& inputs) {
      return run_step(x, y, inputs, skip, mode, linear_bb);
    };
    return plan;
  }

 protected:
  torch::Tensor generator_masks(const torch::Tensor& features, const BranchInputs& branch, int64_t scale,
                                UpsampleMode mode) override {
    const auto s = mix_block_->forward(features, features.index_select(0, branch.perms[1]), branch.lambdas[0], scale, mode);
    return torch::cat({1.0 - s, s}, 1);
  }

  // §2.1: λ_mb, λ_bb ~ Beta(α, α) and one permutation per branch, or the forced ones.
  void draw(const ForcedDraws& forced, int64_t batch, at::Generator& gen, BranchDraws& mb, BranchDraws& bb) const override {
    if (take_forced_draws(forced, batch, mb, bb)) {
      if (mb.lambdas.size() != 2) throw Error(ErrorCode::Config, "AutoMix mixes two sources: forced branches need 2 permutations and 2 λ");
      return;
    }
    const auto u = sample_betas(alpha(), 2, gen);
    mb = two_source_branch(u[0], branch_permutation(batch, gen, false));
    bb = two_source_branch(u[1], branch_permutation(batch, gen, true));
  }

 private:
  // The device part. Every per-step number comes from `inputs` (the branches, then the mask-loss
  // weight).
  MethodOutput run_step(const torch::Tensor& x, const torch::Tensor& y, const std::vector<torch::Tensor>& inputs,
                        bool skip, UpsampleMode mode, bool linear_bb) {
    const auto& o = options();
    const auto [mb, bb] = branch_inputs(inputs);
    const auto& loss_weight = inputs.at(4);

    const auto features = teacher_stages(x)[net()->backbone_k->mix_stage()];
    const int64_t scale = mask_scale(x, features);
    // The mask loss reads the partner weight s of the generator branch; its mask is [1−s, s].
    const auto s_mb = mix_block_->forward(features, features.index_select(0, mb.perms[1]), mb.lambdas[0], scale, mode);
    const auto mask_mb = torch::cat({1.0 - s_mb, s_mb}, 1);
    const auto mask_bb = classifier_masks(x, features, bb, scale, mode, linear_bb);

    MethodOutput out;
    const auto mask_term = mask_loss(s_mb, mb.lambdas[0], o.mask_loss_mode, o.mask_loss_margin);
    out.terms.push_back({"mask", mask_term.detach()});

    // The block's loss (through the frozen teacher, and the mask loss), then the online network's.
    IncrementalBackward backward;
    torch::Tensor block_loss = mask_term * loss_weight;
    if (!skip) {
      const auto x_mb = mix_images(x, mask_mb, mb.perms);
      const auto teacher_loss = mixed_label_loss(teacher_mix_logits(x_mb), y, mb.perms, mb.lambdas);
      out.terms.push_back({"mix_k", teacher_loss.detach()});
      block_loss = teacher_loss + block_loss;
    }
    backward.add(block_loss);
    backward.add(online_one_hot_loss(x, y, out));
    add_online_mix_loss(x, y, mask_bb, bb, out, backward);
    backward.finish(out);
    return out;
  }

  // Constant, or cosine-annealed per iteration from the weight to 0 (the ImageNet configs).
  double mask_loss_weight(int64_t step) const {
    const auto& o = options();
    if (!o.mask_loss_cosine) return o.mask_loss_weight;
    return cosine_annealing(o.mask_loss_weight, 0.0, static_cast<double>(step), static_cast<double>(total_steps()));
  }

  PixelMixBlock mix_block_{nullptr};
};

}  // namespace

std::unique_ptr<TrainMethod> make_automix(const MethodOptions& method, const ModelOptions& model,
                                          const LrSchedule& schedule) {
  return std::make_unique<AutoMix>(method, model, schedule);
}

}  // namespace adx
