#include "models/twin_network.h"

#include <torch/torch.h>

#include "core/errors.h"
#include "train/multi_tensor_optim.h"

namespace adx {

namespace {

void copy_and_freeze(torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto source = from.parameters();
  auto target = to.parameters();
  for (size_t i = 0; i < source.size(); ++i) {
    target[i].copy_(source[i]);
    target[i].set_requires_grad(false);
  }
  auto source_buffers = from.buffers();
  auto target_buffers = to.buffers();
  for (size_t i = 0; i < source_buffers.size(); ++i) target_buffers[i].copy_(source_buffers[i]);
}

void lerp_parameters(const std::vector<torch::Tensor>& q, std::vector<torch::Tensor>& k, double m) {
  for (size_t i = 0; i < q.size(); ++i) k[i].mul_(m).add_(q[i], 1.0 - m);
}

}  // namespace

TwinNetworkImpl::TwinNetworkImpl(const ModelOptions& options) {
  if (options.num_classes < 2) throw Error(ErrorCode::Config, "a classifier needs at least 2 classes");
  backbone_q = register_module("backbone_q", make_backbone(options));
  backbone_k = register_module("backbone_k", make_backbone(options));
  const int64_t features = backbone_q->out_channels();
  head_one_q = register_module("head_one_q", LinearHead(features, options.num_classes));
  head_mix_q = register_module("head_mix_q", LinearHead(features, options.num_classes));
  head_one_k = register_module("head_one_k", LinearHead(features, options.num_classes));
  head_mix_k = register_module("head_mix_k", LinearHead(features, options.num_classes));
}

void TwinNetworkImpl::reset_parameters(at::Generator& gen) {
  backbone_q->reset_parameters(gen);
  head_one_q->reset_parameters(backbone_q->head_init(), gen);
  head_mix_q->reset_parameters(backbone_q->head_init(), gen);
  copy_online_to_ema();
}

void TwinNetworkImpl::copy_online_to_ema() {
  copy_and_freeze(*backbone_q, *backbone_k);
  copy_and_freeze(*head_one_q, *head_one_k);
  copy_and_freeze(*head_mix_q, *head_mix_k);
}

std::vector<torch::Tensor> TwinNetworkImpl::online_parameters() const {
  std::vector<torch::Tensor> out = backbone_q->parameters();
  for (const auto& p : head_one_q->parameters()) out.push_back(p);
  for (const auto& p : head_mix_q->parameters()) out.push_back(p);
  return out;
}

std::vector<torch::Tensor> TwinNetworkImpl::ema_parameters() const {
  std::vector<torch::Tensor> out = backbone_k->parameters();
  for (const auto& p : head_one_k->parameters()) out.push_back(p);
  for (const auto& p : head_mix_k->parameters()) out.push_back(p);
  return out;
}

void TwinNetworkImpl::ema_update(double momentum, bool multi_tensor) {
  if (momentum >= 1.0) return;
  torch::NoGradGuard no_grad;
  // online_parameters() and ema_parameters() list the twins in the same order.
  const auto online = online_parameters();
  auto ema = ema_parameters();
  if (multi_tensor) {
    multi_tensor_lerp(ema, online, momentum);
  } else {
    lerp_parameters(online, ema, momentum);
  }
}

std::vector<std::string> TwinNetworkImpl::head_names() { return {"mix_k", "one_k", "mix_q", "one_q"}; }

std::vector<torch::Tensor> TwinNetworkImpl::head_logits(const torch::Tensor& x) {
  auto last_k = backbone_k->features(x);
  auto last_q = backbone_q->features(x);
  return {head_mix_k(last_k), head_one_k(last_k), head_mix_q(last_q), head_one_q(last_q)};
}

}  // namespace adx
