// A training method owns its network and turns a prepared batch into the loss to minimise. Each
// method is one small file; the Trainer owns the optimizer, schedule and data around it.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mix/pixel_mix_block.h"
#include "mix/upsample.h"
#include "models/classifier.h"
#include "models/pretrained.h"
#include "train/ema.h"
#include "train/schedule.h"
#include "train/step_plan.h"

namespace adx {

// One SGD parameter group with its cosine schedule's base and floor (ALGORITHMS.md §1.11).
struct SgdGroupOptions {
  double lr = 0.1;
  double min_lr = 0.0;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  bool nesterov = false;
};

// Options of the learned-mixing methods (AutoMix, AdAutoMix). Defaults follow the CIFAR-100
// ResNet-18 configs; DECISIONS.md names the alternatives.
struct LearnedMixOptions {
  UpsampleMode upsample = UpsampleMode::Bilinear;
  bool random_upsample = false;    // pick bilinear/nearest/bicubic once at random (AdAutoMix 'None')
  bool lam_concat = false;         // λ as an extra feature channel of the generator
  bool attention_batch_norm = false;  // AdAutoMix: BN after conv_q/conv_k (att_norm_cfg, ImageNet R-50)
  double lam_margin = 0.0;         // ≤ 0: off
  bool no_repeat_shuffle = false;  // permutations without fixed points (§1.4)
  double switch_off = 0.0;         // > 0: the generator branch runs with this probability
  bool exact_fast_path = true;     // DECISIONS.md exact speed-ups
  EmaOptions ema;
  SgdGroupOptions generator;  // the generator's own group
  // AdAutoMix
  int64_t mix_samples = 3;         // N
  bool random_samples = false;     // N ~ U{2..mix_samples} each step
  double mixup_ratio = 0.5;        // ρ
  double beta_ratio = 0.3;         // β
  int64_t adv_interval = 2;
  bool cosine_as_distance = false;      // (1−β)(1−cos) instead of the official +(1−β)·cos
  bool openmixup_margin_rule = false;   // OpenMixup's N≥3 lam_margin comparison
  bool dirichlet_lambdas = false;       // N-way λ from Dirichlet instead of normalised Betas
  // AutoMix
  double mask_loss_weight = 0.1;
  MaskLossMode mask_loss_mode = MaskLossMode::L1;
  double mask_loss_margin = 0.1;
  bool mask_loss_cosine = false;   // anneal the weight to 0 over training (ImageNet configs)
};

// One method of the classic family (ALGORITHMS.md §3) as a mode of the per-iteration pick.
struct ClassicModeOptions {
  // mixup | cutmix | manifoldmix | fmix | resizemix | saliencymix | gridmix | smoothmix | snapmix |
  // puzzlemix | attentivemix
  std::string name = "mixup";
  double alpha = 1.0;          // Beta(α, α)
  double probability = 1.0;    // relative weight of this mode in the per-iteration pick
  double fmix_decay = 3.0;     // FMix: the spectrum's decay power
  bool smoothmix_share_label = false;  // SmoothMix: label λ = the original's share (the fix) instead of mean(G)
  int64_t manifold_first_layer = 0;    // ManifoldMix: ℓ ~ U{first..last}; 0 = the input, k = after stage k
  int64_t manifold_last_layer = 2;
  double resize_min_scale = 0.1;       // ResizeMix: the box scale τ is kept in [min, max]
  double resize_max_scale = 0.8;
  bool snapmix_per_sample = false;     // SnapMix: per-sample label weights (the fix) instead of batch means
  // PuzzleMix (OpenMixup's CIFAR settings): grids n = 2^k, k ~ U{1..block_num−1}; see mix/classic/puzzle.h.
  int64_t puzzle_block_num = 5;
  double puzzle_beta = 1.2, puzzle_gamma = 0.5, puzzle_eta = 0.2;
  int64_t puzzle_neighbour_size = 4;
  bool puzzle_transport = true;
  double puzzle_transport_eps = 0.8;
  int64_t puzzle_transport_size = 4;   // ≤ 0: the labelling's blocks (OpenMixup's larger-image configs)
  // AttentiveMix: the frozen attention network's torchvision resnet18 weights, and the second
  // Beta parameter of λ (NaN: α, OpenMixup's code; 8: the paper's).
  std::vector<HostTensor> attentive_weights;
  double attentive_beta = std::numeric_limits<double>::quiet_NaN();
  // The run's normalisation (filled by the Trainer), to see pixels in [0,1] units (PuzzleMix).
  std::vector<double> pixel_mean, pixel_std;
};

struct MethodOptions {
  std::string name = "vanilla";  // vanilla | automix | adautomix | a classic method | 'classic' (several modes)
  double alpha = 1.0;            // Beta(α, α)
  LearnedMixOptions learned;
  std::vector<ClassicModeOptions> modes;  // the classic methods' modes (one for a single method)
};

// The draws of one branch of a learned-mixing step: N permutations (sources x[π_i]; in two-sample
// mode π_1 is the identity) and the N label weights λ_i.
struct BranchDraws {
  std::vector<double> lambdas;
  std::vector<std::vector<int64_t>> permutations;
};

// Draws a test can force so that a step can be compared with another implementation.
struct ForcedDraws {
  std::optional<double> lambda;                     // the classic methods' λ ~ Beta(α, α)
  std::optional<std::vector<int64_t>> permutation;  // the classic methods' partner permutation
  std::optional<int64_t> mode;                      // index of the classic mode to use this step
  std::optional<BranchDraws> generator_branch;      // AutoMix / AdAutoMix "mb"
  std::optional<BranchDraws> classifier_branch;     // AutoMix / AdAutoMix "bb"
  std::optional<bool> skip_generator;               // the switch_off coin
};

struct MethodOutput {
  torch::Tensor loss;  // scalar, with graph (or detached when backward_done)
  bool backward_done = false;  // the method already backpropagated every term
  double lambda = std::numeric_limits<double>::quiet_NaN();  // NaN when the method does not mix
  std::vector<std::pair<std::string, torch::Tensor>> terms;  // named loss terms, for reporting
  int64_t sources = 0;         // N of this step (learned mixing)
  bool adversarial = false;    // AdAutoMix: the generator maximised the teacher's loss
  std::string mode;            // the classic mode used this step ("" for the other methods)
  double mix_seconds = std::numeric_limits<double>::quiet_NaN();  // time spent mixing (classic methods)
};

// What a learned mixer makes of a batch (the generator branch, no lamMargin, no gradient).
struct MixPreview {
  torch::Tensor masks;  // [B,N,H,W], summing to 1 over the N sources
  torch::Tensor mixed;  // [B,C,H,W], normalised like the input
  BranchDraws draws;    // λ_i (label weights) and π_i (sources x[π_i])
};

class TrainMethod {
 public:
  virtual ~TrainMethod() = default;

  // The whole module tree: its parameters and buffers are the trainer's state.
  virtual torch::nn::Module& network() = 0;
  virtual void reset_parameters(at::Generator& gen) = 0;
  // Torchvision-named weights into the (online) backbone and its heads; an EMA twin follows.
  virtual PretrainedReport load_pretrained(const std::vector<HostTensor>& tensors, bool skip_classifier) = 0;
  // The main SGD group, and the generator's own group (empty for methods without one).
  virtual std::vector<torch::Tensor> classifier_parameters() = 0;
  virtual std::vector<torch::Tensor> generator_parameters() { return {}; }

  // x: normalised float NCHW on the device; y: int64 labels on the device; step: global iteration.
  // By default run_plan_eagerly(plan_step(...)): the methods without a step plan override it.
  virtual MethodOutput loss(const torch::Tensor& x, const torch::Tensor& y, at::Generator& gen,
                            const ForcedDraws& forced, int64_t step);
  // The step split for CUDA graphs (train/step_plan.h); nullopt for the methods that override
  // loss() instead, which always run eagerly.
  virtual std::optional<StepPlan> plan_step(int64_t batch, at::Generator& gen, const ForcedDraws& forced,
                                            int64_t step) {
    return std::nullopt;
  }
  // Whether plan_step gives a plan (then for every step).
  virtual bool plans_steps() const { return false; }
  // After the optimizer step (the EMA update).
  virtual void after_step(int64_t step) {}
  // The EMA momentum used at `step` (NaN without an EMA network).
  virtual double ema_momentum_at(int64_t step) const { return std::numeric_limits<double>::quiet_NaN(); }

  // The current generator's masks and mixed images for a batch (eval mode is set by the caller);
  // E_CONFIG for methods without a learned generator.
  virtual MixPreview preview(const torch::Tensor& x, at::Generator& gen, const ForcedDraws& forced);

  // State a checkpoint carries besides tensors and the random generator (e.g. AdAutoMix's
  // adversarial phase); set_counters gets back what counters() gave, checked by the caller to
  // hold the same names.
  virtual std::vector<std::pair<std::string, int64_t>> counters() const { return {}; }
  virtual void set_counters(const std::map<std::string, int64_t>& counters) {}

  // Test-time heads: names, and logits for an eval-mode forward (same order).
  virtual std::vector<std::string> head_names() const = 0;
  virtual std::vector<torch::Tensor> head_logits(const torch::Tensor& x) = 0;
};

std::unique_ptr<TrainMethod> make_method(const MethodOptions& method, const ModelOptions& model,
                                         const LrSchedule& schedule);

}  // namespace adx
