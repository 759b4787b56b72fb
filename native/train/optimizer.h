// The run's optimizer (ALGORITHMS.md §1.11): SGD with momentum (the CNN configs) or AdamW (the
// ViT/ConvNeXt configs), over up to four parameter groups: the classifier's and the mask
// generator's, each split into decayed and undecayed parameters when norms, biases and position
// tables are exempt from weight decay (OpenMixup's paramwise options of the AdamW configs).
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

namespace adx {

enum class OptimizerKind { Sgd, AdamW };

// One group's hyper-parameters.
struct GroupHyper {
  double lr = 0.1;
  double momentum = 0.9;  // SGD only
  double weight_decay = 1e-4;
  bool nesterov = false;  // SGD only
};

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::Sgd;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // AdamW only
  // Weight decay 0 for 1-D parameters (biases, norm weights, layer scales) and position tables.
  bool no_decay_norm_bias = false;
  double grad_clip = 0;    // > 0: clip the global gradient L2 norm to this before each step
  int64_t accumulate = 1;  // iterations whose gradients are summed (and averaged) per step
  // The classifier group's settings (the generator brings its own).
  double momentum = 0.9;
  double weight_decay = 1e-4;
  bool nesterov = false;
};

enum class GroupRole { Classifier, Generator };

// The optimizer and, per parameter group, which schedule drives its learning rate.
struct BuiltOptimizer {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<GroupRole> roles;
};

// `network` names the parameters (for the position-table rule). `multi_tensor`: the list-operation
// versions of SGD and AdamW (train/multi_tensor_optim.h), same state and, on the CPU, same result.
BuiltOptimizer make_optimizer(const OptimizerOptions& options, torch::nn::Module& network,
                              const std::vector<torch::Tensor>& classifier, const GroupHyper& classifier_hyper,
                              const std::vector<torch::Tensor>& generator, const GroupHyper& generator_hyper,
                              bool multi_tensor);

// Whether weight decay spares this parameter under no_decay_norm_bias.
bool exempt_from_decay(const std::string& name, const torch::Tensor& param);

}  // namespace adx
