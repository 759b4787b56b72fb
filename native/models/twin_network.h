// The two networks of AutoMix and AdAutoMix (ALGORITHMS.md §1.1): the online network (backbone_q
// with a one-hot head and a mixup head) trained by SGD, and its EMA twin (backbone_k, head_one_k,
// head_mix_k) that no loss reaches and that changes only by the EMA of the online parameters.
// Module names follow OpenMixup's, so state keys read backbone_q.layer1.0.conv1.weight and so on.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "models/classifier.h"

namespace adx {

class TwinNetworkImpl : public torch::nn::Module {
 public:
  explicit TwinNetworkImpl(const ModelOptions& options);

  // Fresh online weights (§4, heads N(0, 0.01²)), copied into the EMA twin, which is then frozen.
  void reset_parameters(at::Generator& gen);

  // The EMA twin becomes a frozen copy of the online network (parameters and buffers).
  void copy_online_to_ema();

  // What SGD trains: backbone_q, head_one_q, head_mix_q.
  std::vector<torch::Tensor> online_parameters() const;
  // The EMA twin's parameters, in online_parameters()' order.
  std::vector<torch::Tensor> ema_parameters() const;

  // θ_k ← m·θ_k + (1−m)·θ_q over parameters only (BN buffers stay the EMA network's own, §1.10).
  // Nothing happens for m ≥ 1. `multi_tensor`: two list operations over all parameters instead
  // of two kernels per parameter (same result on the CPU; far fewer launches on CUDA).
  void ema_update(double momentum, bool multi_tensor = false);

  // Test-time logits of the four heads, in the order of head_names() (§1.13).
  static std::vector<std::string> head_names();
  std::vector<torch::Tensor> head_logits(const torch::Tensor& x);

  Backbone backbone_q, backbone_k;
  LinearHead head_one_q{nullptr}, head_mix_q{nullptr}, head_one_k{nullptr}, head_mix_k{nullptr};
};
TORCH_MODULE(TwinNetwork);

}  // namespace adx
