#include "train/optimizer_state.h"

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/torch.h>

#include <memory>

#include "core/compat.h"
#include "core/errors.h"

namespace adx {

namespace {

std::string prefix(size_t group, size_t index) {
  return std::string(kOptimizerPrefix) + std::to_string(group) + "." + std::to_string(index) + ".";
}

bool is_adamw(torch::optim::OptimizerParamGroup& group) {
  return dynamic_cast<torch::optim::AdamWOptions*>(&group.options()) != nullptr;
}

// The state tensors one parameter has under each optimizer kind.
const std::vector<std::string>& state_fields(bool adamw) {
  static const std::vector<std::string> sgd{"momentum_buffer"};
  static const std::vector<std::string> adam{"exp_avg", "exp_avg_sq", "step"};
  return adamw ? adam : sgd;
}

// Every parameter of every group with its name prefix and its group's kind, in the optimizer's order.
template <class Visit>
void for_each_parameter(torch::optim::Optimizer& optimizer, Visit visit) {
  auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    const bool adamw = is_adamw(groups[g]);
    auto& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) visit(prefix(g, i), params[i], adamw);
  }
}

HostTensor host(const std::string& name, const torch::Tensor& t) {
  auto h = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return {name, h.sizes().vec(), std::vector<float>(h.data_ptr<float>(), h.data_ptr<float>() + h.numel())};
}

torch::Tensor device_tensor(const HostTensor& t, const torch::Tensor& like) {
  return torch::from_blob(const_cast<float*>(t.values.data()), t.shape, torch::kFloat32).to(like.options()).clone();
}

}  // namespace

std::vector<HostTensor> optimizer_state_tensors(torch::optim::Optimizer& optimizer) {
  std::vector<HostTensor> out;
  auto& state = optimizer.state();
  for_each_parameter(optimizer, [&](const std::string& name, const torch::Tensor& p, bool adamw) {
    auto it = state.find(compat::optimizer_state_key(state, p));
    if (it == state.end()) return;
    if (adamw) {
      auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
      out.push_back(host(name + "exp_avg", s.exp_avg()));
      out.push_back(host(name + "exp_avg_sq", s.exp_avg_sq()));
      out.push_back({name + "step", {1}, {static_cast<float>(s.step())}});
    } else {
      const auto& buffer = static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer();
      if (buffer.defined()) out.push_back(host(name + "momentum_buffer", buffer));
    }
  });
  return out;
}

void check_optimizer_state(torch::optim::Optimizer& optimizer,
                           const std::unordered_map<std::string, const HostTensor*>& tensors) {
  size_t matched = 0;
  for_each_parameter(optimizer, [&](const std::string& name, const torch::Tensor& p, bool adamw) {
    size_t present = 0;
    for (const auto& field : state_fields(adamw)) {
      auto it = tensors.find(name + field);
      if (it == tensors.end()) continue;
      ++present;
      const auto expected = field == "step" ? std::vector<int64_t>{1} : p.sizes().vec();
      if (it->second->shape != expected) {
        throw Error(ErrorCode::Checkpoint, "the checkpoint's '" + name + field + "' does not fit its parameter's shape");
      }
    }
    // All of a parameter's fields or none (not stepped yet when the checkpoint was written).
    if (present != 0 && present != state_fields(adamw).size()) {
      throw Error(ErrorCode::Checkpoint, "the checkpoint has only part of the optimizer state of '" + name + "*'");
    }
    matched += present;
  });
  size_t named = 0;
  for (const auto& [name, _] : tensors) named += name.rfind(kOptimizerPrefix, 0) == 0 ? 1 : 0;
  if (matched != named) {
    throw Error(ErrorCode::Checkpoint,
                "the checkpoint holds optimizer state this run does not have (other parameters, or another optimizer)");
  }
}

void load_optimizer_state(torch::optim::Optimizer& optimizer,
                          const std::unordered_map<std::string, const HostTensor*>& tensors) {
  check_optimizer_state(optimizer, tensors);
  torch::NoGradGuard no_grad;
  auto& state = optimizer.state();
  state.clear();
  for_each_parameter(optimizer, [&](const std::string& name, const torch::Tensor& p, bool adamw) {
    auto first = tensors.find(name + state_fields(adamw).front());
    if (first == tensors.end()) return;
    const auto key = compat::optimizer_state_key(state, p);
    if (adamw) {
      auto entry = std::make_unique<torch::optim::AdamWParamState>();
      entry->exp_avg(device_tensor(*tensors.at(name + "exp_avg"), p));
      entry->exp_avg_sq(device_tensor(*tensors.at(name + "exp_avg_sq"), p));
      entry->step(static_cast<int64_t>(tensors.at(name + "step")->values.at(0)));
      state[key] = std::move(entry);
    } else {
      auto entry = std::make_unique<torch::optim::SGDParamState>();
      entry->momentum_buffer(device_tensor(*first->second, p));
      state[key] = std::move(entry);
    }
  });
}

}  // namespace adx
