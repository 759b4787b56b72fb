// What AutoMix and AdAutoMix share (ALGORITHMS.md §1.1, §1.10-1.13, §2): the online network and
// its EMA twin, a mask generator registered as "mix_block" with its own optimizer group, the EMA
// update after every step, the four test-time heads, and the clean-batch feature pass.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "core/precision.h"
#include "models/twin_network.h"
#include "train/method.h"

namespace adx {

// Backpropagates each loss term as soon as its graph is complete and keeps the detached total.
// Gradients add up, so this equals one backward of the sum (up to float summation order), while
// only one pass's activations are alive at a time instead of all of them (peak memory).
class IncrementalBackward {
 public:
  void add(const torch::Tensor& term) {
    Fp32Island no_autocast;  // backward outside the step's autocast
    term.backward();
    total_ = total_.defined() ? total_ + term.detach() : term.detach();
  }
  // Moves the total into `out` and marks its gradients as done.
  void finish(MethodOutput& out) {
    out.loss = total_;
    out.backward_done = true;
  }

 private:
  torch::Tensor total_;
};

class LearnedMixMethod : public TrainMethod {
 public:
  LearnedMixMethod(const MethodOptions& method, const ModelOptions& model, const LrSchedule& schedule);

  torch::nn::Module& network() override { return *net_; }
  // The twin network (§4, heads N(0, 0.01²), EMA copy) and the generator: every conv N(0, 0.01²).
  void reset_parameters(at::Generator& gen) override;
  // Into backbone_q and both online heads, then copied to the EMA twin.
  PretrainedReport load_pretrained(const std::vector<HostTensor>& tensors, bool skip_classifier) override;
  std::vector<torch::Tensor> classifier_parameters() override { return net_->online_parameters(); }
  std::vector<torch::Tensor> generator_parameters() override { return generator_->parameters(); }
  void after_step(int64_t step) override {
    if (ema_update_due(options_.ema, step)) net_->ema_update(ema_momentum_at(step), options_.ema.multi_tensor);
  }
  double ema_momentum_at(int64_t step) const override;
  std::vector<std::string> head_names() const override { return TwinNetworkImpl::head_names(); }
  MixPreview preview(const torch::Tensor& x, at::Generator& gen, const ForcedDraws& forced) override;
  // The random upsampling mode, once drawn.
  std::vector<std::pair<std::string, int64_t>> counters() const override;
  void set_counters(const std::map<std::string, int64_t>& counters) override;
  std::vector<torch::Tensor> head_logits(const torch::Tensor& x) override { return net_->head_logits(x); }

 protected:
  // A step's host draws: both branches and the switch_off coin.
  struct StepDraws {
    BranchDraws mb, bb;
    bool skip_generator = false;
  };
  StepDraws step_draws(int64_t batch, at::Generator& gen, const ForcedDraws& forced) const;

  // A branch as the device part of a step sees it: the permutations π_i (index rows) and the
  // weights λ_i (float [N]), both on the device.
  struct BranchInputs {
    std::vector<torch::Tensor> perms;
    torch::Tensor lambdas;
  };
  // A plan's first four inputs (see plan_for), on the device, as the two branches {mb, bb}.
  static std::pair<BranchInputs, BranchInputs> branch_inputs(const std::vector<torch::Tensor>& inputs);
  // One branch's draws straight onto `device` (outside a planned step).
  static BranchInputs branch_on(const BranchDraws& draws, const torch::Device& device);

  // The draws of both branches for a batch: forced (checked) or sampled from `gen`.
  virtual void draw(const ForcedDraws& forced, int64_t batch, at::Generator& gen, BranchDraws& mb,
                    BranchDraws& bb) const = 0;
  // The generator's masks [B,N,H,W] for one branch.
  virtual torch::Tensor generator_masks(const torch::Tensor& features, const BranchInputs& branch, int64_t scale,
                                        UpsampleMode mode) = 0;

  // One branch permutation: plain, or without fixed points (noRepeatShuffle); `keep_last` is the
  // original's ignore_failure for the classifier branch.
  std::vector<int64_t> branch_permutation(int64_t batch, at::Generator& gen, bool keep_last) const;
  // The two-source branch: x with weight λ, x[π] with weight 1−λ.
  static BranchDraws two_source_branch(double lambda, std::vector<int64_t> partner);

  // The classifier branch's masks, without gradient: the constants λ_i when `linear` (lamMargin),
  // else the generator's. The literal path (no fast path) computes the generator's masks even
  // when they are then replaced, as the original does.
  torch::Tensor classifier_masks(const torch::Tensor& x, const torch::Tensor& features, const BranchInputs& branch,
                                 int64_t scale, UpsampleMode mode, bool linear);

  // The forced branches, checked (both present, same N), into mb/bb; false when none is forced.
  bool take_forced_draws(const ForcedDraws& forced, int64_t batch, BranchDraws& mb, BranchDraws& bb) const;

  // Whether the generator keeps BN running statistics: then the fast path still runs the
  // generator calls whose output it does not need, since the literal path updates them there.
  bool generator_has_running_stats() const { return !generator_->buffers().empty(); }

  // Registers the generator under "mix_block".
  void set_generator(std::shared_ptr<torch::nn::Module> generator);

  // The generator's input channels: the stage-3 width of the backbone.
  int64_t feature_channels() const { return net_->backbone_q->stage_channels(net_->backbone_q->mix_stage()); }

  // f_k on the clean batch, train mode, no graph: every stage output (index 2 feeds the generator).
  std::vector<torch::Tensor> teacher_stages(const torch::Tensor& x);

  // The mask upsampling factor for these images and features (E_SHAPE when not integral).
  static int64_t mask_scale(const torch::Tensor& x, const torch::Tensor& features);

  // The start of a learned-mixing step's plan: the draws as its inputs (host tensors π_mb [N,B],
  // λ_mb [N], π_bb [N,B], λ_bb [N]; a method may append its own), λ of the classifier branch, N,
  // and a key naming the method, N and the structural `flags` (e.g. "skip=0 adv=1").
  StepPlan plan_for(const StepDraws& draws, const std::string& method, const std::string& flags,
                    UpsampleMode mode) const;

  // The configured upsampling mode, or (random mode) one drawn on first use and then kept.
  UpsampleMode upsample_mode(at::Generator& gen);

  // Whether the generator branch is skipped this step (switch_off coin, or a forced value).
  bool skip_generator(const ForcedDraws& forced, at::Generator& gen) const;

  // CE(h^q_one(f_q(x)), y): the clean-batch one-hot loss, recorded as the term "one_q".
  torch::Tensor online_one_hot_loss(const torch::Tensor& x, const torch::Tensor& y, MethodOutput& out);
  // The online mixup head's loss on the classifier branch's mixed batch (term "mix_q"),
  // backpropagated at once.
  void add_online_mix_loss(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& masks,
                           const BranchInputs& branch, MethodOutput& out, IncrementalBackward& backward);
  // The online mixup head's logits for a (mixed) batch, fp32.
  torch::Tensor online_mix_logits(const torch::Tensor& x_mixed);
  // The EMA mixup head's logits for a (mixed) batch, fp32; the graph reaches the input only.
  torch::Tensor teacher_mix_logits(const torch::Tensor& x_mixed);

  const LearnedMixOptions& options() const { return options_; }
  double alpha() const { return alpha_; }
  int64_t total_steps() const { return total_steps_; }
  TwinNetwork& net() { return net_; }

 private:
  LearnedMixOptions options_;
  double alpha_;
  int64_t total_steps_;
  TwinNetwork net_{nullptr};
  std::shared_ptr<torch::nn::Module> generator_;
  bool upsample_chosen_ = false;
  UpsampleMode upsample_;
};

}  // namespace adx
