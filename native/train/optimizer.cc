#include "train/optimizer.h"

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <string>
#include <unordered_map>

#include "train/multi_tensor_optim.h"

namespace adx {

namespace {

std::unique_ptr<torch::optim::OptimizerOptions> group_options(const OptimizerOptions& o, const GroupHyper& h,
                                                              bool decay) {
  const double wd = decay ? h.weight_decay : 0.0;
  if (o.kind == OptimizerKind::AdamW) {
    torch::optim::AdamWOptions adam(h.lr);
    adam.betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(wd);
    return std::make_unique<torch::optim::AdamWOptions>(adam);
  }
  torch::optim::SGDOptions sgd(h.lr);
  sgd.momentum(h.momentum).weight_decay(wd).nesterov(h.nesterov);
  return std::make_unique<torch::optim::SGDOptions>(sgd);
}

}  // namespace

bool exempt_from_decay(const std::string& name, const torch::Tensor& param) {
  return param.dim() <= 1 || name.find("position") != std::string::npos || name.find("pos_embed") != std::string::npos;
}

BuiltOptimizer make_optimizer(const OptimizerOptions& o, torch::nn::Module& network,
                              const std::vector<torch::Tensor>& classifier, const GroupHyper& classifier_hyper,
                              const std::vector<torch::Tensor>& generator, const GroupHyper& generator_hyper,
                              bool multi_tensor) {
  std::unordered_map<const void*, std::string> names;
  for (const auto& p : network.named_parameters()) names[p.value().unsafeGetTensorImpl()] = p.key();

  BuiltOptimizer built;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto add = [&](const std::vector<torch::Tensor>& params, const GroupHyper& hyper, GroupRole role) {
    if (params.empty()) return;
    if (!o.no_decay_norm_bias) {
      groups.emplace_back(params, group_options(o, hyper, true));
      built.roles.push_back(role);
      return;
    }
    std::vector<torch::Tensor> decayed, exempt;
    for (const auto& p : params) {
      auto it = names.find(p.unsafeGetTensorImpl());
      (exempt_from_decay(it == names.end() ? std::string() : it->second, p) ? exempt : decayed).push_back(p);
    }
    for (auto* part : {&decayed, &exempt}) {
      if (part->empty()) continue;
      groups.emplace_back(*part, group_options(o, hyper, part == &decayed));
      built.roles.push_back(role);
    }
  };
  add(classifier, classifier_hyper, GroupRole::Classifier);
  add(generator, generator_hyper, GroupRole::Generator);

  const torch::optim::AdamWOptions adam_defaults(classifier_hyper.lr);
  const torch::optim::SGDOptions sgd_defaults(classifier_hyper.lr);
  const bool adamw = o.kind == OptimizerKind::AdamW;
  if (adamw && multi_tensor) {
    built.optimizer = std::make_unique<MultiTensorAdamW>(std::move(groups), adam_defaults);
  } else if (adamw) {
    built.optimizer = std::make_unique<torch::optim::AdamW>(std::move(groups), adam_defaults);
  } else if (multi_tensor) {
    built.optimizer = std::make_unique<MultiTensorSGD>(std::move(groups), sgd_defaults);
  } else {
    built.optimizer = std::make_unique<torch::optim::SGD>(std::move(groups), sgd_defaults);
  }
  return built;
}

}  // namespace adx
