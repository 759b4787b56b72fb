// LibTorch's SGD and AdamW with the update done as multi-tensor ("foreach") operations: a handful
// of list kernels per parameter group instead of three to eight kernels per parameter. On CUDA
// that removes hundreds of kernel launches a step (PyTorch's own optimizers do the same there by
// default); on the CPU a list operation runs the same per-tensor kernels, so the result is
// bitwise LibTorch's (test/multi-tensor.test.ts holds it to that).
//
// Both keep LibTorch's state objects (SGDParamState, AdamWParamState) under LibTorch's keys, so
// checkpoints (optimizer_state.h) see no difference.
#pragma once

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

namespace adx {

class MultiTensorSGD : public torch::optim::SGD {
 public:
  using torch::optim::SGD::SGD;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// amsgrad is not supported (the configs never set it; the constructor refuses it).
class MultiTensorAdamW : public torch::optim::AdamW {
 public:
  MultiTensorAdamW(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamWOptions defaults);
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// LibTorch's clip_grad_norm_ (L2) without its closing .item(): the clipped gradients are the
// same, and the device is not synchronised with the host for a number nobody reads.
void clip_grad_norm_no_sync(const std::vector<torch::Tensor>& params, double max_norm);

// ema ← m·ema + (1 − m)·online, pairwise over the two lists (the EMA teacher's update).
void multi_tensor_lerp(std::vector<torch::Tensor>& ema, const std::vector<torch::Tensor>& online, double m);

}  // namespace adx
