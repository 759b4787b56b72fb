// The optimizer's per-parameter state as named host tensors, for checkpoints: SGD's momentum
// buffers under "optimizer.<group>.<index>.momentum_buffer" (group and index as in the
// optimizer's parameter groups). A parameter that has not been stepped yet has no entry.
#pragma once

#include <torch/optim/sgd.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "core/host_tensor.h"

namespace adx {

constexpr const char* kOptimizerPrefix = "optimizer.";

std::vector<HostTensor> optimizer_state_tensors(torch::optim::SGD& optimizer);

// Checks every named optimizer tensor against the parameters (E_CHECKPOINT naming the first that
// does not fit) without changing anything.
void check_optimizer_state(torch::optim::SGD& optimizer, const std::unordered_map<std::string, const HostTensor*>& tensors);

// Replaces the optimizer's state by the named tensors (checked first with check_optimizer_state).
void load_optimizer_state(torch::optim::SGD& optimizer, const std::unordered_map<std::string, const HostTensor*>& tensors);

}  // namespace adx
