// The classic mixup family (ALGORITHMS.md §3) behind one interface: each mixer turns a batch into
// mixed images (or, for ManifoldMix, into logits of a forward pass that mixes inside the network)
// and the label weights of the original y and of its partner y[π]. The driver
// (classic_mix.cc) picks a mixer per iteration and computes the loss.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <limits>
#include <memory>

#include "models/classifier.h"
#include "train/method.h"

namespace adx {

struct ClassicMixInput {
  const torch::Tensor& x;  // [B,C,H,W] normalised, on the device
  const torch::Tensor* y;  // [B] int64 labels; null in a preview (no labels)
  ClassifierImpl& model;   // for the methods that look at or run the network
  at::Generator& gen;
  const ForcedDraws& forced;
};

struct ClassicMixOutput {
  torch::Tensor mixed;         // [B,C,H,W]; undefined when the mixer ran the network itself
  torch::Tensor logits;        // set by mixers that ran the network (ManifoldMix)
  torch::Tensor partner_mask;  // [1,1,H,W] partner share per pixel; undefined for linear mixing
  torch::Tensor perm;          // [B] int64 on the device: sample b is mixed with sample perm[b]
  double weight_a = 1.0;       // label weight of y (batch level)
  double weight_b = 0.0;       // label weight of y[π]; w_a + w_b may differ from 1 (SnapMix)
  // Per-sample label weights [B] (SnapMix's per-sample option); when defined, the loss is
  // mean_b(w_a[b]·CE_b(y) + w_b[b]·CE_b(y[π])) and weight_a/weight_b are their means.
  torch::Tensor sample_weight_a, sample_weight_b;
  // Seconds spent mixing, for mixers whose mixing is interleaved with the forward pass
  // (ManifoldMix); NaN: the driver times mix() as a whole.
  double seconds = std::numeric_limits<double>::quiet_NaN();
};

class ClassicMixer {
 public:
  virtual ~ClassicMixer() = default;
  virtual ClassicMixOutput mix(const ClassicMixInput& in) = 0;
  // Whether mix() gives images (all but ManifoldMix), so that a preview can show them.
  virtual bool mixes_images() const { return true; }
};

// E_CONFIG for an unknown name or options out of range.
std::unique_ptr<ClassicMixer> make_classic_mixer(const ClassicModeOptions& options);

// Whether `name` is one of the classic methods.
bool is_classic_method(const std::string& name);

// The classic method names, comma-separated, for messages.
const char* classic_method_names();

// Draw helpers shared by the mixers: the forced λ or Beta(α, α); the forced permutation or a fresh
// one (without fixed points where the original redraws up to 10 times: CutMix, FMix).
double classic_lambda(const ClassicMixInput& in, double alpha);
torch::Tensor classic_permutation(const ClassicMixInput& in, bool avoid_fixed_points);

// The result of a mixer that shows the partner through `partner_mask` and gives y the weight
// `weight_a` (and y[π] the rest).
ClassicMixOutput two_source_output(torch::Tensor perm, torch::Tensor mixed, torch::Tensor partner_mask, double weight_a);

// The result of a mixer whose per-sample mask `own_mask` [B,1,H,W] keeps the original: each
// sample's label weights are its own share and the rest (PuzzleMix, AttentiveMix).
ClassicMixOutput own_share_output(torch::Tensor perm, torch::Tensor mixed, const torch::Tensor& own_mask);

// x·(1−M) + x[π]·M for a partner mask M broadcastable to x.
torch::Tensor mix_with_partner(const torch::Tensor& x, const torch::Tensor& perm, const torch::Tensor& partner_mask);

}  // namespace adx
