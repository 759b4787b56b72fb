// The interface every backbone of the zoo implements (ALGORITHMS.md §4), so that the classifier,
// the twin network of AutoMix/AdAutoMix and the mix generators work with any of them:
//  * forward() returns every stage output in NCHW (transformers permute their NHWC tokens), the
//    mask generators read mix_stage(), the heads read the last one through pool();
//  * pool() is the backbone's own neck: global average pool, plus the final norm where the
//    architecture has one (Swin normalises before pooling, ConvNeXt after), giving [B, C];
//  * parameter names follow torchvision (OpenMixup for WRN), so a converted torchvision state
//    dict loads into the backbone as it is; classifier_key() names torchvision's classifier.
#pragma once

#include <ATen/core/Generator.h>
#include <c10/util/Optional.h>
#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace adx {

// Where stochastic depth draws from: the trainer's seeded generator once it sets one, so runs
// repeat; LibTorch's default generator before that.
struct RandomSource {
  c10::optional<at::Generator> generator;
};
using SharedRandomSource = std::shared_ptr<RandomSource>;

// How the linear heads on this backbone start (ALGORITHMS.md §4): N(0, 0.01²) for the CNNs,
// truncated N(0, 0.02²) for the transformers.
enum class HeadInit { Normal001, TruncNormal002 };

class BackboneImpl : public torch::nn::Module {
 public:
  // Stage outputs, index 0 first.
  virtual std::vector<torch::Tensor> forward(const torch::Tensor& x) = 0;

  // Last stage output → [B, C] features for a linear head.
  virtual torch::Tensor pool(const torch::Tensor& last_stage);

  // Fresh weights drawn from `gen` with this architecture's initialisation.
  virtual void reset_parameters(at::Generator& gen) = 0;

  virtual int64_t num_stages() const = 0;
  virtual int64_t stage_channels(int64_t index) const = 0;
  int64_t out_channels() const { return stage_channels(num_stages() - 1); }

  // The stage the mask generators read: the one before the last (stage 3 of a 4-stage ResNet,
  // OpenMixup's convention).
  int64_t mix_stage() const { return num_stages() - 2; }

  // Name of torchvision's classifier Linear for this architecture ("fc", "head", "classifier.2").
  virtual std::string classifier_key() const { return "fc"; }
  virtual HeadInit head_init() const { return HeadInit::Normal001; }

  // Stochastic depth draws from this generator from now on (a no-op without stochastic depth).
  void set_generator(const at::Generator& gen) { random_->generator = gen; }

  // pool(forward(x).back()).
  torch::Tensor features(const torch::Tensor& x) { return pool(forward(x).back()); }

  // A function every forward() applies to each stage's output before the next stage reads it
  // (ManifoldMix mixes hidden features there). Only dim 0 is guaranteed to be the batch: Swin
  // hands its NHWC tokens. None by default; StageHookScope sets one for a scope.
  using StageHook = std::function<torch::Tensor(int64_t stage, const torch::Tensor& output)>;
  void set_stage_hook(StageHook hook) { stage_hook_ = std::move(hook); }

 protected:
  const SharedRandomSource& random_source() const { return random_; }
  torch::Tensor after_stage(int64_t stage, const torch::Tensor& output) const {
    return stage_hook_ ? stage_hook_(stage, output) : output;
  }

 private:
  SharedRandomSource random_ = std::make_shared<RandomSource>();
  StageHook stage_hook_;
};

using Backbone = std::shared_ptr<BackboneImpl>;

// Sets a stage hook for its lifetime, also when the forward pass throws.
class StageHookScope {
 public:
  StageHookScope(BackboneImpl& backbone, BackboneImpl::StageHook hook) : backbone_(backbone) {
    backbone_.set_stage_hook(std::move(hook));
  }
  ~StageHookScope() { backbone_.set_stage_hook(nullptr); }
  StageHookScope(const StageHookScope&) = delete;
  StageHookScope& operator=(const StageHookScope&) = delete;

 private:
  BackboneImpl& backbone_;
};

// An empty module registered under `name`, used as a container so state keys get torchvision's
// numbered paths (features.1.0.block.3.weight) while forward() stays plain code.
inline std::shared_ptr<torch::nn::Module> add_container(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

}  // namespace adx
