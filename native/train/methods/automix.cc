// AutoMix (ALGORITHMS.md §2): the PixelMixBlock mixes x with x[π]; the block learns cooperatively
// through the frozen EMA teacher (L_k) plus the mask loss that pulls the mean mask towards λ; the
// online network learns from the block's detached masks and the clean batch. One backward, one SGD
// step, then the EMA update, on the same machinery as AdAutoMix.
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

  void reset_parameters(at::Generator& gen) override {
    net()->reset_parameters(gen);
    mix_block_->reset_parameters(gen);
  }

  MethodOutput loss(const torch::Tensor& x, const torch::Tensor& y, at::Generator& gen, const ForcedDraws& forced,
                    int64_t step) override {
    const auto& o = options();
    const int64_t batch = x.size(0);
    BranchDraws mb, bb;
    draws(forced, batch, gen, mb, bb);
    const bool skip = skip_generator(forced, gen);
    const auto perms_mb = permutation_tensors(mb, x.device());
    const auto perms_bb = permutation_tensors(bb, x.device());

    const auto features = teacher_stages(x)[2];
    const int64_t scale = mask_scale(x, features);
    const UpsampleMode mode = upsample_mode(gen);
    auto partner_weight = [&](const BranchDraws& d, const torch::Tensor& perm) {
      return mix_block_->forward(features, features.index_select(0, perm), d.lambdas[0], scale, mode);
    };
    auto two_source_mask = [](const torch::Tensor& s) { return torch::cat({1.0 - s, s}, 1); };

    const auto s_mb = partner_weight(mb, perms_mb[1]);
    const auto mask_mb = two_source_mask(s_mb);
    torch::Tensor mask_bb;
    if (classifier_mask_is_linear(bb.lambdas, o.lam_margin, false)) {
      mask_bb = constant_masks(bb.lambdas, mask_mb);
    } else if (o.exact_fast_path) {
      torch::NoGradGuard no_grad;
      mask_bb = two_source_mask(partner_weight(bb, perms_bb[1]));
    } else {
      mask_bb = two_source_mask(partner_weight(bb, perms_bb[1])).detach();
    }

    MethodOutput out;
    out.sources = 2;
    out.lambda = bb.lambdas[0];
    const auto mask_term = mask_loss(s_mb, mb.lambdas[0], o.mask_loss_mode, o.mask_loss_margin);
    out.terms.push_back({"mask", mask_term.detach()});

    torch::Tensor teacher_loss;
    if (!skip) {
      const auto x_mb = mix_images(x, mask_mb, perms_mb);
      teacher_loss = mixed_label_loss(teacher_mix_logits(x_mb), y, perms_mb, mb.lambdas);
      out.terms.push_back({"mix_k", teacher_loss.detach()});
    }
    const auto x_bb = mix_images(x, mask_bb, perms_bb);
    const auto one_hot = online_one_hot_loss(x, y);
    const auto mix_q = mixed_label_loss(online_mix_logits(x_bb), y, perms_bb, bb.lambdas);
    out.terms.push_back({"one_q", one_hot.detach()});
    out.terms.push_back({"mix_q", mix_q.detach()});

    out.loss = mix_q + one_hot;
    if (teacher_loss.defined()) out.loss = out.loss + teacher_loss;
    out.loss = out.loss + mask_term * mask_loss_weight(step);
    return out;
  }

 private:
  // Constant, or cosine-annealed per iteration from the weight to 0 (the ImageNet configs).
  double mask_loss_weight(int64_t step) const {
    const auto& o = options();
    if (!o.mask_loss_cosine) return o.mask_loss_weight;
    return cosine_annealing(o.mask_loss_weight, 0.0, static_cast<double>(step), static_cast<double>(total_steps()));
  }

  // §2.1: λ_mb, λ_bb ~ Beta(α, α) and one permutation per branch, or the forced ones.
  void draws(const ForcedDraws& forced, int64_t batch, at::Generator& gen, BranchDraws& mb, BranchDraws& bb) const {
    if (forced.generator_branch || forced.classifier_branch) {
      if (!forced.generator_branch || !forced.classifier_branch) {
        throw Error(ErrorCode::Config, "forced AutoMix draws need both the generator and the classifier branch");
      }
      mb = *forced.generator_branch;
      bb = *forced.classifier_branch;
      check_branch_draws(mb, batch, "generator");
      check_branch_draws(bb, batch, "classifier");
      if (mb.lambdas.size() != 2 || bb.lambdas.size() != 2) {
        throw Error(ErrorCode::Config, "AutoMix mixes two sources: forced branches need 2 permutations and 2 λ");
      }
      return;
    }
    const auto& o = options();
    auto permutation = [&](bool keep_last) {
      return o.no_repeat_shuffle ? sample_no_repeat_permutation(batch, gen, keep_last)
                                 : sample_permutation_values(batch, gen);
    };
    const auto u = sample_betas(alpha(), 2, gen);
    mb = {{u[0], 1.0 - u[0]}, {identity_permutation(batch), permutation(false)}};
    bb = {{u[1], 1.0 - u[1]}, {identity_permutation(batch), permutation(true)}};
  }

  PixelMixBlock mix_block_{nullptr};
};

}  // namespace

std::unique_ptr<TrainMethod> make_automix(const MethodOptions& method, const ModelOptions& model,
                                          const LrSchedule& schedule) {
  return std::make_unique<AutoMix>(method, model, schedule);
}

}  // namespace adx
