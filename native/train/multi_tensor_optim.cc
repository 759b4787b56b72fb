#include "train/multi_tensor_optim.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <memory>

#include "core/compat.h"
#include "core/errors.h"

namespace adx {

namespace {

using torch::Tensor;

// The parameters of a group that have a gradient (LibTorch skips the others), and the gradients.
struct WithGradient {
  std::vector<Tensor> params;
  std::vector<Tensor> grads;
};

WithGradient with_gradient(torch::optim::OptimizerParamGroup& group) {
  WithGradient out;
  for (auto& p : group.params()) {
    if (!p.grad().defined()) continue;
    out.params.push_back(p);
    out.grads.push_back(p.grad());
  }
  return out;
}

void refuse_closure(const torch::optim::Optimizer::LossClosure& closure) {
  if (closure) throw Error(ErrorCode::Native, "the multi-tensor optimizers take no loss closure");
}

}  // namespace

Tensor MultiTensorSGD::step(LossClosure closure) {
  refuse_closure(closure);
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::SGDOptions&>(group.options());
    auto [params, grads] = with_gradient(group);
    if (params.empty()) continue;
    // The update is formed in the gradients' own memory (the trainer drops them after the step),
    // so no second parameter-sized list is allocated; the arithmetic is the same as out of place.
    std::vector<Tensor>& updates = grads;
    if (o.weight_decay() != 0) at::_foreach_add_(updates, params, o.weight_decay());
    std::vector<Tensor> buffers;
    if (o.momentum() != 0) {
      // A parameter's first step starts its buffer as a copy of the update (LibTorch's rule);
      // the others decay and add in one pair of list operations.
      buffers.resize(params.size());
      std::vector<Tensor> decaying, decaying_updates;
      for (size_t i = 0; i < params.size(); ++i) {
        const auto key = compat::optimizer_state_key(state_, params[i]);
        auto found = state_.find(key);
        if (found == state_.end()) {
          buffers[i] = torch::clone(updates[i]).detach();
          auto state = std::make_unique<torch::optim::SGDParamState>();
          state->momentum_buffer(buffers[i]);
          state_[key] = std::move(state);
        } else {
          buffers[i] = static_cast<torch::optim::SGDParamState&>(*found->second).momentum_buffer();
          decaying.push_back(buffers[i]);
          decaying_updates.push_back(updates[i]);
        }
      }
      if (!decaying.empty()) {
        at::_foreach_mul_(decaying, o.momentum());
        at::_foreach_add_(decaying, decaying_updates, 1 - o.dampening());
      }
      if (o.nesterov()) at::_foreach_add_(updates, buffers, o.momentum());
    }
    // Plain momentum steps along the buffers themselves, Nesterov along update + momentum·buffer.
    const bool along_buffers = o.momentum() != 0 && !o.nesterov();
    at::_foreach_add_(params, along_buffers ? buffers : updates, -1 * o.lr());
  }
  return {};
}

MultiTensorAdamW::MultiTensorAdamW(std::vector<torch::optim::OptimizerParamGroup> groups,
                                   torch::optim::AdamWOptions defaults)
    : torch::optim::AdamW(std::move(groups), std::move(defaults)) {
  for (auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamWOptions&>(group.options()).amsgrad()) {
      throw Error(ErrorCode::Config, "the multi-tensor AdamW has no amsgrad");
    }
  }
}

Tensor MultiTensorAdamW::step(LossClosure closure) {
  refuse_closure(closure);
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    auto all = with_gradient(group);
    if (all.params.empty()) continue;
    // The bias corrections depend on each parameter's own step count; parameters that skipped
    // steps (no gradient) count fewer, so the list operations run once per distinct count.
    struct Bucket {
      std::vector<Tensor> params, grads, exp_avg, exp_avg_sq;
    };
    std::map<int64_t, Bucket> by_step;
    for (size_t i = 0; i < all.params.size(); ++i) {
      const auto key = compat::optimizer_state_key(state_, all.params[i]);
      auto found = state_.find(key);
      if (found == state_.end()) {
        auto state = std::make_unique<torch::optim::AdamWParamState>();
        state->step(0);
        state->exp_avg(torch::zeros_like(all.params[i], at::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(all.params[i], at::MemoryFormat::Preserve));
        found = state_.emplace(key, std::move(state)).first;
      }
      auto& s = static_cast<torch::optim::AdamWParamState&>(*found->second);
      s.step(s.step() + 1);
      auto& bucket = by_step[s.step()];
      bucket.params.push_back(all.params[i]);
      bucket.grads.push_back(all.grads[i]);
      bucket.exp_avg.push_back(s.exp_avg());
      bucket.exp_avg_sq.push_back(s.exp_avg_sq());
    }
    const auto [beta1, beta2] = o.betas();
    for (auto& [step, b] : by_step) {
      if (o.weight_decay() != 0) at::_foreach_mul_(b.params, 1 - o.lr() * o.weight_decay());
      const double correction1 = 1 - std::pow(beta1, static_cast<double>(step));
      const double correction2 = 1 - std::pow(beta2, static_cast<double>(step));
      at::_foreach_mul_(b.exp_avg, beta1);
      at::_foreach_add_(b.exp_avg, b.grads, 1 - beta1);
      at::_foreach_mul_(b.exp_avg_sq, beta2);
      at::_foreach_addcmul_(b.exp_avg_sq, b.grads, b.grads, 1 - beta2);
      auto denominators = at::_foreach_sqrt(b.exp_avg_sq);
      at::_foreach_div_(denominators, std::sqrt(correction2));
      at::_foreach_add_(denominators, o.eps());
      at::_foreach_addcdiv_(b.params, b.exp_avg, denominators, -(o.lr() / correction1));
    }
  }
  return {};
}

void clip_grad_norm_no_sync(const std::vector<Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<Tensor> grads, norms;
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    grads.push_back(p.grad());
    norms.push_back(p.grad().norm(2));
  }
  if (grads.empty()) return;
  const auto total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  const auto factor = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  for (auto& g : grads) g.mul_(factor);
}

void multi_tensor_lerp(std::vector<Tensor>& ema, const std::vector<Tensor>& online, double m) {
  torch::NoGradGuard no_grad;
  at::_foreach_mul_(ema, m);
  at::_foreach_add_(ema, online, 1.0 - m);
}

}  // namespace adx
