// A backbone with one linear classification head: global average pool over the last stage, then
// Linear(C, K) with weights ~ N(0, 0.01²) and zero bias (ALGORITHMS.md §1.1, §4).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <string>

#include "models/resnet.h"

namespace adx {

struct ModelOptions {
  std::string arch = "resnet18_cifar";  // resnet18_cifar | resnet34_cifar | resnet18 | resnet34
  int64_t in_channels = 3;
  int64_t num_classes = 10;
  int64_t base_width = 64;
};

// The backbone the options name (E_CONFIG for an unknown arch).
ResNet make_backbone(const ModelOptions& options);

class LinearHeadImpl : public torch::nn::Module {
 public:
  LinearHeadImpl(int64_t in_features, int64_t num_classes);
  torch::Tensor forward(const torch::Tensor& features);  // [B,C,h,w] → [B,K]
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(LinearHead);

class ClassifierImpl : public torch::nn::Module {
 public:
  explicit ClassifierImpl(const ModelOptions& options);
  void reset_parameters(at::Generator& gen);
  torch::Tensor forward(const torch::Tensor& x);  // logits

  ResNet backbone{nullptr};
  LinearHead head{nullptr};
};
TORCH_MODULE(Classifier);

}  // namespace adx
