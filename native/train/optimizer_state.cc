#include "train/optimizer_state.h"

#include <torch/torch.h>

#include <memory>

#include "core/compat.h"
#include "core/errors.h"

namespace adx {

namespace {

std::string buffer_name(size_t group, size_t index) {
  return std::string(kOptimizerPrefix) + std::to_string(group) + "." + std::to_string(index) + ".momentum_buffer";
}

// Every parameter of every group with its checkpoint name, in the optimizer's order.
template <class Visit>
void for_each_parameter(torch::optim::SGD& optimizer, Visit visit) {
  auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    auto& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) visit(buffer_name(g, i), params[i]);
  }
}

}  // namespace

std::vector<HostTensor> optimizer_state_tensors(torch::optim::SGD& optimizer) {
  std::vector<HostTensor> out;
  auto& state = optimizer.state();
  for_each_parameter(optimizer, [&](const std::string& name, const torch::Tensor& p) {
    auto it = state.find(compat::optimizer_state_key(state, p));
    if (it == state.end()) return;
    const auto& buffer = static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer();
    if (!buffer.defined()) return;
    auto host = buffer.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    out.push_back({name, host.sizes().vec(), std::vector<float>(host.data_ptr<float>(), host.data_ptr<float>() + host.numel())});
  });
  return out;
}

void check_optimizer_state(torch::optim::SGD& optimizer, const std::unordered_map<std::string, const HostTensor*>& tensors) {
  size_t matched = 0;
  for_each_parameter(optimizer, [&](const std::string& name, const torch::Tensor& p) {
    auto it = tensors.find(name);
    if (it == tensors.end()) return;  // not stepped yet when the checkpoint was written
    if (it->second->shape != p.sizes().vec()) {
      throw Error(ErrorCode::Checkpoint, "the checkpoint's '" + name + "' does not fit its parameter's shape");
    }
    ++matched;
  });
  size_t named = 0;
  for (const auto& [name, _] : tensors) named += name.rfind(kOptimizerPrefix, 0) == 0 ? 1 : 0;
  if (matched != named) {
    throw Error(ErrorCode::Checkpoint, "the checkpoint holds optimizer state for parameters this run does not have");
  }
}

void load_optimizer_state(torch::optim::SGD& optimizer, const std::unordered_map<std::string, const HostTensor*>& tensors) {
  check_optimizer_state(optimizer, tensors);
  torch::NoGradGuard no_grad;
  auto& state = optimizer.state();
  state.clear();
  for_each_parameter(optimizer, [&](const std::string& name, const torch::Tensor& p) {
    auto it = tensors.find(name);
    if (it == tensors.end()) return;
    const HostTensor& t = *it->second;
    auto host = torch::from_blob(const_cast<float*>(t.values.data()), t.shape, torch::kFloat32);
    auto entry = std::make_unique<torch::optim::SGDParamState>();
    entry->momentum_buffer(host.to(p.options()).clone());
    state[compat::optimizer_state_key(state, p)] = std::move(entry);
  });
}

}  // namespace adx
