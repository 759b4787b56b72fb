#include "train/methods/classic_mixer.h"

#include <torch/torch.h>

#include <cstring>

#include "core/errors.h"
#include "mix/sampling.h"
#include "train/methods/mixed_labels.h"
#include "core/host_to_device.h"

namespace adx {

// Factories, one per file of mixers.
std::unique_ptr<ClassicMixer> make_linear_mixer(const ClassicModeOptions& options);  // classic_linear_mixers.cc
std::unique_ptr<ClassicMixer> make_box_mixer(const ClassicModeOptions& options);     // classic_box_mixers.cc
std::unique_ptr<ClassicMixer> make_mask_mixer(const ClassicModeOptions& options);    // classic_mask_mixers.cc
std::unique_ptr<ClassicMixer> make_snapmix_mixer(const ClassicModeOptions& options); // classic_snapmix.cc
std::unique_ptr<ClassicMixer> make_puzzlemix_mixer(const ClassicModeOptions& options); // classic_puzzlemix.cc
std::unique_ptr<ClassicMixer> make_attentivemix_mixer(const ClassicModeOptions& options); // classic_attentivemix.cc

namespace {

constexpr const char* kNames[] = {"mixup",       "cutmix",  "manifoldmix", "fmix",   "resizemix",
                                  "saliencymix", "gridmix", "smoothmix",   "snapmix", "puzzlemix", "attentivemix"};

}  // namespace

bool is_classic_method(const std::string& name) {
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

const char* classic_method_names() {
  return "mixup, cutmix, manifoldmix, fmix, resizemix, saliencymix, gridmix, smoothmix, snapmix, puzzlemix, attentivemix";
}

std::unique_ptr<ClassicMixer> make_classic_mixer(const ClassicModeOptions& o) {
  if (!is_classic_method(o.name)) {
    throw Error(ErrorCode::Config, "unknown mixing method '" + o.name + "'; available: " + classic_method_names());
  }
  if (!(o.alpha > 0)) throw Error(ErrorCode::Config, o.name + " alpha must be > 0");
  if (!(o.probability >= 0)) throw Error(ErrorCode::Config, o.name + " probability must be >= 0");
  if (o.name == "mixup" || o.name == "manifoldmix") return make_linear_mixer(o);
  if (o.name == "cutmix" || o.name == "resizemix" || o.name == "saliencymix") return make_box_mixer(o);
  if (o.name == "snapmix") return make_snapmix_mixer(o);
  if (o.name == "puzzlemix") return make_puzzlemix_mixer(o);
  if (o.name == "attentivemix") return make_attentivemix_mixer(o);
  return make_mask_mixer(o);
}

double classic_lambda(const ClassicMixInput& in, double alpha) {
  return in.forced.lambda ? *in.forced.lambda : sample_beta(alpha, in.gen);
}

torch::Tensor classic_permutation(const ClassicMixInput& in, bool avoid_fixed_points) {
  const int64_t n = in.x.size(0);
  torch::Tensor perm;
  if (in.forced.permutation || !avoid_fixed_points) {
    perm = forced_or_random_permutation(in.forced, n, in.gen);
  } else {
    perm = torch::tensor(sample_no_repeat_permutation(n, in.gen, /*keep_last_on_failure=*/true), torch::kInt64);
  }
  return to_device_async(perm, in.x.device());
}

ClassicMixOutput two_source_output(torch::Tensor perm, torch::Tensor mixed, torch::Tensor partner_mask, double weight_a) {
  ClassicMixOutput out;
  out.perm = std::move(perm);
  out.mixed = std::move(mixed);
  out.partner_mask = std::move(partner_mask);
  out.weight_a = weight_a;
  out.weight_b = 1.0 - weight_a;
  return out;
}

ClassicMixOutput own_share_output(torch::Tensor perm, torch::Tensor mixed, const torch::Tensor& own_mask) {
  ClassicMixOutput out;
  out.perm = std::move(perm);
  out.mixed = std::move(mixed);
  out.partner_mask = 1.0 - own_mask;
  out.sample_weight_a = own_mask.flatten(1).mean(1).to(torch::kFloat64);
  out.sample_weight_b = 1.0 - out.sample_weight_a;
  out.weight_a = out.sample_weight_a.mean().item<double>();
  out.weight_b = 1.0 - out.weight_a;
  return out;
}

torch::Tensor mix_with_partner(const torch::Tensor& x, const torch::Tensor& perm, const torch::Tensor& partner_mask) {
  const auto m = to_device_async(partner_mask.to(x.scalar_type()), x.device());
  return x * (1.0 - m) + x.index_select(0, perm) * m;
}

}  // namespace adx
