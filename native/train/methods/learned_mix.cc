#include "train/methods/learned_mix.h"

#include <torch/torch.h>

#include "core/errors.h"
#include "core/host_to_device.h"
#include "mix/mixing.h"
#include "mix/sampling.h"
#include "models/init.h"

namespace adx {

LearnedMixMethod::LearnedMixMethod(const MethodOptions& method, const ModelOptions& model, const LrSchedule& schedule)
    : options_(method.learned),
      alpha_(method.alpha),
      total_steps_(schedule.epochs * schedule.steps_per_epoch),
      upsample_(method.learned.upsample) {
  if (!(alpha_ > 0)) throw Error(ErrorCode::Config, method.name + " alpha must be > 0");
  net_ = TwinNetwork(model);
}

void LearnedMixMethod::reset_parameters(at::Generator& gen) {
  net_->reset_parameters(gen);
  init_conv_normal(*generator_, 0.01, gen);
}

LearnedMixMethod::StepDraws LearnedMixMethod::step_draws(int64_t batch, at::Generator& gen,
                                                         const ForcedDraws& forced) const {
  StepDraws d;
  draw(forced, batch, gen, d.mb, d.bb);
  d.skip_generator = skip_generator(forced, gen);
  return d;
}

std::pair<LearnedMixMethod::BranchInputs, LearnedMixMethod::BranchInputs> LearnedMixMethod::branch_inputs(
    const std::vector<torch::Tensor>& inputs) {
  return {{permutation_rows(inputs.at(0)), inputs.at(1)}, {permutation_rows(inputs.at(2)), inputs.at(3)}};
}

LearnedMixMethod::BranchInputs LearnedMixMethod::branch_on(const BranchDraws& draws, const torch::Device& device) {
  return {permutation_rows(to_device_async(permutation_matrix(draws), device)),
          to_device_async(lambda_tensor(draws.lambdas), device)};
}

StepPlan LearnedMixMethod::plan_for(const StepDraws& draws, const std::string& method, const std::string& flags,
                                    UpsampleMode mode) const {
  StepPlan plan;
  plan.inputs = {permutation_matrix(draws.mb), lambda_tensor(draws.mb.lambdas), permutation_matrix(draws.bb),
                 lambda_tensor(draws.bb.lambdas)};
  plan.lambda = draws.bb.lambdas.at(0);
  plan.sources = static_cast<int64_t>(draws.mb.lambdas.size());
  plan.key = method + " n=" + std::to_string(plan.sources) + " " + flags +
             " upsample=" + std::to_string(static_cast<int>(mode));
  return plan;
}

void LearnedMixMethod::set_generator(std::shared_ptr<torch::nn::Module> generator) {
  generator_ = net_->register_module("mix_block", std::move(generator));
}

double LearnedMixMethod::ema_momentum_at(int64_t step) const {
  return ema_momentum(options_.ema, step, total_steps_);
}

PretrainedReport LearnedMixMethod::load_pretrained(const std::vector<HostTensor>& tensors, bool skip_classifier) {
  auto report = adx::load_pretrained(*net_->backbone_q, {net_->head_one_q.get(), net_->head_mix_q.get()}, tensors,
                                     skip_classifier);
  net_->copy_online_to_ema();
  return report;
}

std::vector<torch::Tensor> LearnedMixMethod::teacher_stages(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return net_->backbone_k->forward(x);
}

int64_t LearnedMixMethod::mask_scale(const torch::Tensor& x, const torch::Tensor& features) {
  const int64_t scale = mask_scale_factor(x.size(2), features.size(2));
  if (mask_scale_factor(x.size(3), features.size(3)) != scale) {
    throw Error(ErrorCode::Shape, "the generator needs the same upsampling factor along height and width");
  }
  return scale;
}

UpsampleMode LearnedMixMethod::upsample_mode(at::Generator& gen) {
  if (options_.random_upsample && !upsample_chosen_) {
    static const UpsampleMode kModes[] = {UpsampleMode::Bilinear, UpsampleMode::Nearest, UpsampleMode::Bicubic};
    upsample_ = kModes[sample_int(0, 2, gen)];
  }
  upsample_chosen_ = true;
  return upsample_;
}

std::vector<int64_t> LearnedMixMethod::branch_permutation(int64_t batch, at::Generator& gen, bool keep_last) const {
  return options_.no_repeat_shuffle ? sample_no_repeat_permutation(batch, gen, keep_last)
                                    : sample_permutation_values(batch, gen);
}

BranchDraws LearnedMixMethod::two_source_branch(double lambda, std::vector<int64_t> partner) {
  const auto batch = static_cast<int64_t>(partner.size());
  return {{lambda, 1.0 - lambda}, {identity_permutation(batch), std::move(partner)}};
}

torch::Tensor LearnedMixMethod::classifier_masks(const torch::Tensor& x, const torch::Tensor& features,
                                                 const BranchInputs& branch, int64_t scale, UpsampleMode mode,
                                                 bool linear) {
  torch::Tensor masks;
  if (!options_.exact_fast_path) {
    masks = generator_masks(features, branch, scale, mode).detach();
  } else if (!linear || generator_has_running_stats()) {
    torch::NoGradGuard no_grad;
    masks = generator_masks(features, branch, scale, mode);
  }
  if (!linear) return masks;
  const auto n = static_cast<int64_t>(branch.perms.size());
  return constant_masks(branch.lambdas, torch::empty({x.size(0), n, x.size(2), x.size(3)}, x.options()));
}

std::vector<std::pair<std::string, int64_t>> LearnedMixMethod::counters() const {
  return {{"upsample_chosen", upsample_chosen_ ? 1 : 0}, {"upsample_mode", static_cast<int64_t>(upsample_)}};
}

void LearnedMixMethod::set_counters(const std::map<std::string, int64_t>& counters) {
  const int64_t mode = counters.at("upsample_mode");
  if (mode < 0 || mode > static_cast<int64_t>(UpsampleMode::Bicubic)) {
    throw Error(ErrorCode::Checkpoint, "the checkpoint's upsample_mode is not a mode");
  }
  upsample_chosen_ = counters.at("upsample_chosen") != 0;
  upsample_ = static_cast<UpsampleMode>(mode);
}

bool LearnedMixMethod::take_forced_draws(const ForcedDraws& forced, int64_t batch, BranchDraws& mb,
                                         BranchDraws& bb) const {
  if (!forced.generator_branch && !forced.classifier_branch) return false;
  if (!forced.generator_branch || !forced.classifier_branch) {
    throw Error(ErrorCode::Config, "forced draws need both the generator and the classifier branch");
  }
  mb = *forced.generator_branch;
  bb = *forced.classifier_branch;
  check_branch_draws(mb, batch, "generator");
  check_branch_draws(bb, batch, "classifier");
  if (mb.lambdas.size() != bb.lambdas.size()) {
    throw Error(ErrorCode::Config, "forced draws need the same number of sources in both branches");
  }
  return true;
}

MixPreview LearnedMixMethod::preview(const torch::Tensor& x, at::Generator& gen, const ForcedDraws& forced) {
  torch::NoGradGuard no_grad;
  MixPreview out;
  BranchDraws unused;
  draw(forced, x.size(0), gen, out.draws, unused);
  const auto features = net_->backbone_k->forward(x)[net_->backbone_k->mix_stage()];
  const auto branch = branch_on(out.draws, x.device());
  // A random upsampling mode is drawn by the first training step; before it, bilinear.
  const UpsampleMode mode = options_.random_upsample && !upsample_chosen_ ? UpsampleMode::Bilinear : upsample_;
  out.masks = generator_masks(features, branch, mask_scale(x, features), mode);
  out.mixed = mix_images(x, out.masks, branch.perms);
  return out;
}

bool LearnedMixMethod::skip_generator(const ForcedDraws& forced, at::Generator& gen) const {
  if (forced.skip_generator) return *forced.skip_generator;
  // The original's coin: the branch is skipped when u > switch_off (so switch_off is the
  // probability of running it); 0 turns the coin off.
  return options_.switch_off > 0 && sample_uniform(gen) > options_.switch_off;
}

torch::Tensor LearnedMixMethod::online_one_hot_loss(const torch::Tensor& x, const torch::Tensor& y, MethodOutput& out) {
  auto loss = torch::nn::functional::cross_entropy(net_->head_one_q(net_->backbone_q->features(x)), y);
  out.terms.push_back({"one_q", loss.detach()});
  return loss;
}

void LearnedMixMethod::add_online_mix_loss(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& masks,
                                           const BranchInputs& branch, MethodOutput& out,
                                           IncrementalBackward& backward) {
  const auto x_mixed = mix_images(x, masks, branch.perms);
  const auto loss = mixed_label_loss(online_mix_logits(x_mixed), y, branch.perms, branch.lambdas);
  out.terms.push_back({"mix_q", loss.detach()});
  backward.add(loss);
}

torch::Tensor LearnedMixMethod::online_mix_logits(const torch::Tensor& x_mixed) {
  return net_->head_mix_q(net_->backbone_q->features(x_mixed)).to(torch::kFloat32);
}

torch::Tensor LearnedMixMethod::teacher_mix_logits(const torch::Tensor& x_mixed) {
  return net_->head_mix_k(net_->backbone_k->features(x_mixed)).to(torch::kFloat32);
}

}  // namespace adx
