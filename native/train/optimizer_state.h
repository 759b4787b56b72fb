// The optimizer's per-parameter state as named host tensors, for checkpoints, under
// "optimizer.<group>.<index>.<what>" (group and index as in the optimizer's parameter groups):
// SGD's momentum_buffer; AdamW's exp_avg, exp_avg_sq and step (a 1-element tensor). A parameter
// that has not been stepped yet has no entry.
#pragma once

#include <torch/optim/optimizer.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "core/host_tensor.h"

namespace adx {

constexpr const char* kOptimizerPrefix = "optimizer.";

std::vector<HostTensor> optimizer_state_tensors(torch::optim::Optimizer& optimizer);

// Checks every named optimizer tensor against the parameters and the optimizer's kind
// (E_CHECKPOINT naming the first that does not fit) without changing anything.
void check_optimizer_state(torch::optim::Optimizer& optimizer,
                           const std::unordered_map<std::string, const HostTensor*>& tensors);

// Replaces the optimizer's state by the named tensors (checked first with check_optimizer_state).
void load_optimizer_state(torch::optim::Optimizer& optimizer,
                          const std::unordered_map<std::string, const HostTensor*>& tensors);

}  // namespace adx
