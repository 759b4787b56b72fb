// A backbone with one linear classification head on its pooled last stage: Linear(C, K) with the
// head initialisation of ALGORITHMS.md §4 (N(0, 0.01²) for CNNs, truncated N(0, 0.02²) for
// transformers) and zero bias.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include "models/backbone.h"
#include "models/registry.h"

namespace adx {

class LinearHeadImpl : public torch::nn::Module {
 public:
  LinearHeadImpl(int64_t in_features, int64_t num_classes);
  torch::Tensor forward(const torch::Tensor& pooled);  // [B,C] → [B,K]
  void reset_parameters(HeadInit init, at::Generator& gen);
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(LinearHead);

class ClassifierImpl : public torch::nn::Module {
 public:
  explicit ClassifierImpl(const ModelOptions& options);
  void reset_parameters(at::Generator& gen);
  torch::Tensor forward(const torch::Tensor& x);  // logits

  Backbone backbone;
  LinearHead head{nullptr};
};
TORCH_MODULE(Classifier);

}  // namespace adx
